/*
 * fuzz_bill.c: libFuzzer target for the backend's bill reader (the print job
 * a legacy till sends).  Placeholder until the backend room lands.
 * needs: src/bill.c
 */
int LLVMFuzzerTestOneInput(const unsigned char *data, unsigned long size);

int LLVMFuzzerTestOneInput(const unsigned char *data, unsigned long size)
{
    (void)data;
    (void)size;
    return 0;
}
