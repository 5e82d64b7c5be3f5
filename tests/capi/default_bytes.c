/* pba_default_model_bytes as a C program calls it: every embedded model's bytes against its
 * file in src/models/, then each refused argument. */

#include "default_bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_why[2048]; /* room for a model path (up to 1024 bytes) and the message */

static const char* failed(const char* what, const char* name) {
    snprintf(g_why, sizeof g_why, "%s (%s): %s", what, name, pba_last_error());
    return g_why;
}

/* The whole file at `path` in a malloc'd buffer (NULL if unreadable). */
static unsigned char* read_file(const char* path, size_t* size) {
    FILE* f = fopen(path, "rb");
    unsigned char* data = NULL;
    long length;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = (unsigned char*)malloc((size_t)length + 1);
        if (data != NULL && fread(data, 1, (size_t)length, f) != (size_t)length) {
            free(data);
            data = NULL;
        }
        *size = (size_t)length;
    }
    fclose(f);
    return data;
}

const char* c_check_default_model_bytes(const char* models_dir) {
    size_t i;
    const void* data = NULL;
    size_t size = 1;
    if (pba_default_model_count() == 0) return "no embedded models";
    for (i = 0; i < pba_default_model_count(); ++i) {
        const char* name = pba_default_model_name(i);
        char path[1024];
        size_t file_size = 0;
        unsigned char* file;
        int same;
        if (pba_default_model_bytes(name, &data, &size) != PBA_OK) return failed("status", name);
        snprintf(path, sizeof path, "%s/%s.pba", models_dir, name);
        file = read_file(path, &file_size);
        if (file == NULL) return failed("cannot read the model file", path);
        same = file_size == size && memcmp(file, data, size) == 0;
        free(file);
        if (!same) return failed("embedded bytes differ from the file", name);
    }

    if (pba_default_model_bytes("no-such-model", &data, &size) != PBA_ERR_NOT_FOUND)
        return failed("unknown name not refused", "no-such-model");
    if (data != NULL || size != 0) return failed("unknown name left the outputs set", "no-such-model");
    if (strstr(pba_last_error(), "available") == NULL) return failed("message lists no names", "no-such-model");
    if (pba_default_model_bytes(NULL, &data, &size) != PBA_ERR_NULL_POINTER) return failed("NULL name", "-");
    if (pba_default_model_bytes("v1", NULL, &size) != PBA_ERR_NULL_POINTER) return failed("NULL out_data", "v1");
    if (pba_default_model_bytes("v1", &data, NULL) != PBA_ERR_NULL_POINTER) return failed("NULL out_size", "v1");
    if (data != NULL) return failed("NULL out_size left out_data set", "v1");
    return "";
}
