/* fixture_dl.c — the library fixture_layout dlopen()s: code, data, bss. */
__attribute__((visibility("default"))) int fixture_dl_data[4096] = {1};
static char fixture_dl_bss[1 << 16];

__attribute__((visibility("default"))) int fixture_dl_func(int i)
{
    fixture_dl_bss[i & 0xffff]++;
    return fixture_dl_data[i & 4095] + fixture_dl_bss[i & 0xffff];
}
