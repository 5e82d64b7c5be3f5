module github.com/pba-project/pba/capi/go

go 1.19
