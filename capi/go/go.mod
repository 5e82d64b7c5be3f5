module pba

go 1.19
