// swift-asyncio — CV4L2: the values and accessors declared in CV4L2.h.
#include "CV4L2.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

const unsigned long CV4L2_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
const unsigned long CV4L2_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
const unsigned long CV4L2_VIDIOC_G_FMT = VIDIOC_G_FMT;
const unsigned long CV4L2_VIDIOC_S_FMT = VIDIOC_S_FMT;
const unsigned long CV4L2_VIDIOC_TRY_FMT = VIDIOC_TRY_FMT;
const unsigned long CV4L2_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
const unsigned long CV4L2_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
const unsigned long CV4L2_VIDIOC_QBUF = VIDIOC_QBUF;
const unsigned long CV4L2_VIDIOC_DQBUF = VIDIOC_DQBUF;
const unsigned long CV4L2_VIDIOC_EXPBUF = VIDIOC_EXPBUF;
const unsigned long CV4L2_VIDIOC_STREAMON = VIDIOC_STREAMON;
const unsigned long CV4L2_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;
const unsigned long CV4L2_VIDIOC_G_PARM = VIDIOC_G_PARM;
const unsigned long CV4L2_VIDIOC_S_PARM = VIDIOC_S_PARM;
const unsigned long CV4L2_VIDIOC_QUERYCTRL = VIDIOC_QUERYCTRL;
const unsigned long CV4L2_VIDIOC_G_CTRL = VIDIOC_G_CTRL;
const unsigned long CV4L2_VIDIOC_S_CTRL = VIDIOC_S_CTRL;
const unsigned long CV4L2_VIDIOC_QUERYMENU = VIDIOC_QUERYMENU;
const unsigned long CV4L2_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
const unsigned long CV4L2_VIDIOC_ENUM_FRAMEINTERVALS = VIDIOC_ENUM_FRAMEINTERVALS;
const unsigned long CV4L2_VIDIOC_SUBSCRIBE_EVENT = VIDIOC_SUBSCRIBE_EVENT;
const unsigned long CV4L2_VIDIOC_DQEVENT = VIDIOC_DQEVENT;

const uint32_t CV4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
const uint32_t CV4L2_PIX_FMT_UYVY = V4L2_PIX_FMT_UYVY;
const uint32_t CV4L2_PIX_FMT_RGB24 = V4L2_PIX_FMT_RGB24;
const uint32_t CV4L2_PIX_FMT_BGR24 = V4L2_PIX_FMT_BGR24;
const uint32_t CV4L2_PIX_FMT_GREY = V4L2_PIX_FMT_GREY;
const uint32_t CV4L2_PIX_FMT_NV12 = V4L2_PIX_FMT_NV12;
const uint32_t CV4L2_PIX_FMT_NV12M = V4L2_PIX_FMT_NV12M;
const uint32_t CV4L2_PIX_FMT_YUV420 = V4L2_PIX_FMT_YUV420;
const uint32_t CV4L2_PIX_FMT_YUV420M = V4L2_PIX_FMT_YUV420M;
const uint32_t CV4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
const uint32_t CV4L2_PIX_FMT_RGB565 = V4L2_PIX_FMT_RGB565;
const uint32_t CV4L2_PIX_FMT_XRGB32 = V4L2_PIX_FMT_XRGB32;

const uint32_t CV4L2_CID_BRIGHTNESS = V4L2_CID_BRIGHTNESS;
const uint32_t CV4L2_CID_CONTRAST = V4L2_CID_CONTRAST;
const uint32_t CV4L2_CID_SATURATION = V4L2_CID_SATURATION;
const uint32_t CV4L2_CID_HUE = V4L2_CID_HUE;
const uint32_t CV4L2_CID_AUTO_WHITE_BALANCE = V4L2_CID_AUTO_WHITE_BALANCE;
const uint32_t CV4L2_CID_GAMMA = V4L2_CID_GAMMA;
const uint32_t CV4L2_CID_EXPOSURE = V4L2_CID_EXPOSURE;
const uint32_t CV4L2_CID_AUTOGAIN = V4L2_CID_AUTOGAIN;
const uint32_t CV4L2_CID_GAIN = V4L2_CID_GAIN;
const uint32_t CV4L2_CID_HFLIP = V4L2_CID_HFLIP;
const uint32_t CV4L2_CID_VFLIP = V4L2_CID_VFLIP;
const uint32_t CV4L2_CID_POWER_LINE_FREQUENCY = V4L2_CID_POWER_LINE_FREQUENCY;
const uint32_t CV4L2_CID_WHITE_BALANCE_TEMPERATURE = V4L2_CID_WHITE_BALANCE_TEMPERATURE;
const uint32_t CV4L2_CID_SHARPNESS = V4L2_CID_SHARPNESS;
const uint32_t CV4L2_CID_EXPOSURE_AUTO = V4L2_CID_EXPOSURE_AUTO;
const uint32_t CV4L2_CID_EXPOSURE_ABSOLUTE = V4L2_CID_EXPOSURE_ABSOLUTE;
const uint32_t CV4L2_CID_USER_CLASS_BASE = V4L2_CID_USER_BASE;
const uint32_t CV4L2_CID_CAMERA_CLASS_BASE = V4L2_CID_CAMERA_CLASS_BASE;

int cv4l2_ioctl(int fd, unsigned long request, void *arg) {
    int rc;
    do {
        rc = ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : rc;
}

struct v4l2_pix_format *cv4l2_format_pix(struct v4l2_format *format) { return &format->fmt.pix; }

struct v4l2_pix_format_mplane *cv4l2_format_pix_mp(struct v4l2_format *format) { return &format->fmt.pix_mp; }

void cv4l2_format_mp_plane(const struct v4l2_format *format, unsigned plane,
                           uint32_t *bytesperline, uint32_t *sizeimage) {
    if (plane >= VIDEO_MAX_PLANES) {
        *bytesperline = 0;
        *sizeimage = 0;
        return;
    }
    // Copy out of the packed struct (the members may be unaligned).
    struct v4l2_plane_pix_format p;
    memcpy(&p, &format->fmt.pix_mp.plane_fmt[plane], sizeof p);
    *bytesperline = p.bytesperline;
    *sizeimage = p.sizeimage;
}

struct v4l2_captureparm *cv4l2_streamparm_capture(struct v4l2_streamparm *parm) { return &parm->parm.capture; }

uint32_t cv4l2_buffer_offset(const struct v4l2_buffer *buffer) { return buffer->m.offset; }

void cv4l2_buffer_set_planes(struct v4l2_buffer *buffer, struct v4l2_plane *planes, uint32_t count) {
    buffer->m.planes = planes;
    buffer->length = count;
}

uint32_t cv4l2_plane_offset(const struct v4l2_plane *plane) { return plane->m.mem_offset; }

int64_t cv4l2_buffer_timestamp_ns(const struct v4l2_buffer *buffer) {
    return (int64_t)buffer->timestamp.tv_sec * 1000000000LL + (int64_t)buffer->timestamp.tv_usec * 1000LL;
}

void cv4l2_event_info(const struct v4l2_event *event, uint32_t *type, uint32_t *pending) {
    *type = event->type;
    *pending = event->pending;
}

const size_t CV4L2_SIZEOF_CAPABILITY = sizeof(struct v4l2_capability);
const size_t CV4L2_SIZEOF_FORMAT = sizeof(struct v4l2_format);
const size_t CV4L2_SIZEOF_BUFFER = sizeof(struct v4l2_buffer);
const size_t CV4L2_SIZEOF_PLANE = sizeof(struct v4l2_plane);
const size_t CV4L2_SIZEOF_REQUESTBUFFERS = sizeof(struct v4l2_requestbuffers);
const size_t CV4L2_SIZEOF_EXPORTBUFFER = sizeof(struct v4l2_exportbuffer);
const size_t CV4L2_SIZEOF_STREAMPARM = sizeof(struct v4l2_streamparm);
const size_t CV4L2_SIZEOF_QUERYCTRL = sizeof(struct v4l2_queryctrl);
const size_t CV4L2_SIZEOF_FMTDESC = sizeof(struct v4l2_fmtdesc);
const size_t CV4L2_SIZEOF_PIX_FORMAT_MPLANE = sizeof(struct v4l2_pix_format_mplane);
const size_t CV4L2_OFFSETOF_BUFFER_SEQUENCE = offsetof(struct v4l2_buffer, sequence);
const size_t CV4L2_OFFSETOF_BUFFER_TIMESTAMP = offsetof(struct v4l2_buffer, timestamp);
const size_t CV4L2_OFFSETOF_BUFFER_LENGTH = offsetof(struct v4l2_buffer, length);
const size_t CV4L2_OFFSETOF_PLANE_DATA_OFFSET = offsetof(struct v4l2_plane, data_offset);
const size_t CV4L2_OFFSETOF_PIX_MP_NUM_PLANES = offsetof(struct v4l2_pix_format_mplane, num_planes);
