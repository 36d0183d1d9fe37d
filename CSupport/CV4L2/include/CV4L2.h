//===----------------------------------------------------------------------===//
// swift-asyncio — CV4L2: <linux/videodev2.h> for Swift (placeholder until the
// camera module lands; see the camera issue).
//===----------------------------------------------------------------------===//
#ifndef CV4L2_H
#define CV4L2_H
#include <features.h>
#include <linux/videodev2.h>
#endif
