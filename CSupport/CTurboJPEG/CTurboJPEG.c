#include "CTurboJPEG.h"

int ctj_compress_yuyv(tjhandle handle, const unsigned char *src, int width, int pitch, int height,
                      int quality, unsigned char *scratch, unsigned char **jpeg, unsigned long *jpegSize) {
    if (width < 2 || height < 1 || (width & 1)) return -1;
    int cw = width / 2;
    unsigned char *y = scratch;
    unsigned char *u = y + (size_t)width * height;
    unsigned char *v = u + (size_t)cw * height;
    for (int row = 0; row < height; row++) {
        const unsigned char *s = src + (size_t)row * pitch;
        unsigned char *yr = y + (size_t)row * width;
        unsigned char *ur = u + (size_t)row * cw;
        unsigned char *vr = v + (size_t)row * cw;
        for (int x = 0; x < cw; x++) {
            yr[2 * x] = s[4 * x];
            ur[x] = s[4 * x + 1];
            yr[2 * x + 1] = s[4 * x + 2];
            vr[x] = s[4 * x + 3];
        }
    }
    const unsigned char *planes[3] = {y, u, v};
    int strides[3] = {width, cw, cw};
    int flags = TJFLAG_FASTDCT;
    return tjCompressFromYUVPlanes(handle, planes, width, strides, height, TJSAMP_422, jpeg, jpegSize, quality, flags);
}
