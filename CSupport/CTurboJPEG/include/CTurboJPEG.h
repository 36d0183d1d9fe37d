// libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev), plus one helper
// Swift cannot write as fast in a debug build: packed YUYV (4:2:2) to JPEG.
#ifndef CTURBOJPEG_H
#define CTURBOJPEG_H

#include <stddef.h>
#include <turbojpeg.h>

/// Compresses a packed YUYV (YUY2, 4:2:2) image to a baseline JPEG with 4:2:2
/// subsampling. `scratch` must hold width*height*2 bytes (the planar copy).
/// On success returns 0 and sets *jpeg (allocated by TurboJPEG, or reused when
/// *jpeg and *jpegSize describe a tjAlloc'ed buffer) and *jpegSize.
int ctj_compress_yuyv(tjhandle handle, const unsigned char *src, int width, int pitch, int height,
                      int quality, unsigned char *scratch, unsigned char **jpeg, unsigned long *jpegSize);

#endif
