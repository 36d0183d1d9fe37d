//===----------------------------------------------------------------------===//
// swift-asyncio — CV4L2: what Swift cannot import from <linux/videodev2.h>.
//
// Swift imports the plain structs (v4l2_capability, v4l2_buffer, ...) and the
// simple integer macros (V4L2_CAP_*, V4L2_BUF_FLAG_*) by itself. What it
// cannot import is below, each with its reason:
//   * ioctl request numbers: _IOR/_IOW/_IOWR are function-like macros;
//   * pixel formats: v4l2_fourcc() is a function-like macro;
//   * control ids: V4L2_CID_* are sums of other macros (CLASS_BASE + n),
//     which the importer drops;
//   * ioctl() itself: a C variadic function, which Swift cannot call;
//   * union members: the anonymous/packed unions in v4l2_format, v4l2_buffer,
//     v4l2_plane and v4l2_streamparm are reached through small accessors so
//     no Swift code depends on how the importer lays out a C union;
//   * sizes and offsets, so the tests can check Swift's view of the structs.
//===----------------------------------------------------------------------===//
#ifndef CV4L2_H
#define CV4L2_H

#include <features.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/videodev2.h>

// MARK: ioctl request numbers (function-like macros in C)

extern const unsigned long CV4L2_VIDIOC_QUERYCAP;
extern const unsigned long CV4L2_VIDIOC_ENUM_FMT;
extern const unsigned long CV4L2_VIDIOC_G_FMT;
extern const unsigned long CV4L2_VIDIOC_S_FMT;
extern const unsigned long CV4L2_VIDIOC_TRY_FMT;
extern const unsigned long CV4L2_VIDIOC_REQBUFS;
extern const unsigned long CV4L2_VIDIOC_QUERYBUF;
extern const unsigned long CV4L2_VIDIOC_QBUF;
extern const unsigned long CV4L2_VIDIOC_DQBUF;
extern const unsigned long CV4L2_VIDIOC_EXPBUF;
extern const unsigned long CV4L2_VIDIOC_STREAMON;
extern const unsigned long CV4L2_VIDIOC_STREAMOFF;
extern const unsigned long CV4L2_VIDIOC_G_PARM;
extern const unsigned long CV4L2_VIDIOC_S_PARM;
extern const unsigned long CV4L2_VIDIOC_QUERYCTRL;
extern const unsigned long CV4L2_VIDIOC_G_CTRL;
extern const unsigned long CV4L2_VIDIOC_S_CTRL;
extern const unsigned long CV4L2_VIDIOC_QUERYMENU;
extern const unsigned long CV4L2_VIDIOC_ENUM_FRAMESIZES;
extern const unsigned long CV4L2_VIDIOC_ENUM_FRAMEINTERVALS;
extern const unsigned long CV4L2_VIDIOC_SUBSCRIBE_EVENT;
extern const unsigned long CV4L2_VIDIOC_DQEVENT;

// MARK: pixel formats (v4l2_fourcc() is a function-like macro)

extern const uint32_t CV4L2_PIX_FMT_YUYV;
extern const uint32_t CV4L2_PIX_FMT_UYVY;
extern const uint32_t CV4L2_PIX_FMT_RGB24;
extern const uint32_t CV4L2_PIX_FMT_BGR24;
extern const uint32_t CV4L2_PIX_FMT_GREY;
extern const uint32_t CV4L2_PIX_FMT_NV12;
extern const uint32_t CV4L2_PIX_FMT_NV12M;
extern const uint32_t CV4L2_PIX_FMT_YUV420;
extern const uint32_t CV4L2_PIX_FMT_YUV420M;
extern const uint32_t CV4L2_PIX_FMT_MJPEG;
extern const uint32_t CV4L2_PIX_FMT_RGB565;
extern const uint32_t CV4L2_PIX_FMT_XRGB32;

// MARK: control ids (sums of class-base macros, dropped by the importer)

extern const uint32_t CV4L2_CID_BRIGHTNESS;
extern const uint32_t CV4L2_CID_CONTRAST;
extern const uint32_t CV4L2_CID_SATURATION;
extern const uint32_t CV4L2_CID_HUE;
extern const uint32_t CV4L2_CID_AUTO_WHITE_BALANCE;
extern const uint32_t CV4L2_CID_GAMMA;
extern const uint32_t CV4L2_CID_EXPOSURE;
extern const uint32_t CV4L2_CID_AUTOGAIN;
extern const uint32_t CV4L2_CID_GAIN;
extern const uint32_t CV4L2_CID_HFLIP;
extern const uint32_t CV4L2_CID_VFLIP;
extern const uint32_t CV4L2_CID_POWER_LINE_FREQUENCY;
extern const uint32_t CV4L2_CID_WHITE_BALANCE_TEMPERATURE;
extern const uint32_t CV4L2_CID_SHARPNESS;
extern const uint32_t CV4L2_CID_EXPOSURE_AUTO;
extern const uint32_t CV4L2_CID_EXPOSURE_ABSOLUTE;
extern const uint32_t CV4L2_CID_USER_CLASS_BASE;
extern const uint32_t CV4L2_CID_CAMERA_CLASS_BASE;

// MARK: the ioctl call (variadic in C)

/// ioctl(fd, request, arg), retried on EINTR. Returns the result (>= 0) or
/// -errno. Reason: ioctl is variadic, which Swift cannot call.
int cv4l2_ioctl(int fd, unsigned long request, void *arg);

// MARK: union accessors (anonymous and packed unions)

/// &format->fmt.pix (single-planar). Reason: union member.
struct v4l2_pix_format *cv4l2_format_pix(struct v4l2_format *format);
/// &format->fmt.pix_mp (multi-planar; a packed struct). Reason: union member.
struct v4l2_pix_format_mplane *cv4l2_format_pix_mp(struct v4l2_format *format);
/// The bytesperline and sizeimage of plane `plane` of a multi-planar format.
/// Reason: the plane array sits in a packed struct inside a union.
void cv4l2_format_mp_plane(const struct v4l2_format *format, unsigned plane,
                           uint32_t *bytesperline, uint32_t *sizeimage);
/// &parm->parm.capture. Reason: union member.
struct v4l2_captureparm *cv4l2_streamparm_capture(struct v4l2_streamparm *parm);
/// buffer->m.offset (single-planar MMAP). Reason: union member.
uint32_t cv4l2_buffer_offset(const struct v4l2_buffer *buffer);
/// Points buffer->m.planes at `planes` and sets buffer->length = count.
/// Reason: union member.
void cv4l2_buffer_set_planes(struct v4l2_buffer *buffer, struct v4l2_plane *planes, uint32_t count);
/// plane->m.mem_offset (multi-planar MMAP). Reason: union member.
uint32_t cv4l2_plane_offset(const struct v4l2_plane *plane);
/// buffer->timestamp in nanoseconds. Reason: keeps struct timeval's field
/// types (time_t/suseconds_t) out of Swift.
int64_t cv4l2_buffer_timestamp_ns(const struct v4l2_buffer *buffer);
/// event->type and event->pending. Reason: the event's payload is a union.
void cv4l2_event_info(const struct v4l2_event *event, uint32_t *type, uint32_t *pending);

// MARK: sizes and offsets (checked by the tests against Swift's MemoryLayout)

extern const size_t CV4L2_SIZEOF_CAPABILITY;
extern const size_t CV4L2_SIZEOF_FORMAT;
extern const size_t CV4L2_SIZEOF_BUFFER;
extern const size_t CV4L2_SIZEOF_PLANE;
extern const size_t CV4L2_SIZEOF_REQUESTBUFFERS;
extern const size_t CV4L2_SIZEOF_EXPORTBUFFER;
extern const size_t CV4L2_SIZEOF_STREAMPARM;
extern const size_t CV4L2_SIZEOF_QUERYCTRL;
extern const size_t CV4L2_SIZEOF_FMTDESC;
extern const size_t CV4L2_SIZEOF_PIX_FORMAT_MPLANE;
extern const size_t CV4L2_OFFSETOF_BUFFER_SEQUENCE;
extern const size_t CV4L2_OFFSETOF_BUFFER_TIMESTAMP;
extern const size_t CV4L2_OFFSETOF_BUFFER_LENGTH;
extern const size_t CV4L2_OFFSETOF_PLANE_DATA_OFFSET;
extern const size_t CV4L2_OFFSETOF_PIX_MP_NUM_PLANES;

#endif
