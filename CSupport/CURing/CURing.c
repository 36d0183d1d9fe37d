//===----------------------------------------------------------------------===//
// swift-asyncio — CURing: constants Swift cannot import, and layout checks.
//===----------------------------------------------------------------------===//
#ifndef _GNU_SOURCE
#error "CURing must be compiled with _GNU_SOURCE (set in Package.swift)"
#endif

#include "CURing.h"
#include <string.h>

const uint8_t CURing_IOSQE_IO_LINK = IOSQE_IO_LINK;
const uint8_t CURing_IOSQE_ASYNC = IOSQE_ASYNC;
const uint8_t CURing_IOSQE_CQE_SKIP_SUCCESS = IOSQE_CQE_SKIP_SUCCESS;
const uint8_t CURing_IOSQE_FIXED_FILE = IOSQE_FIXED_FILE;

#if defined(IO_URING_VERSION_MAJOR) && defined(IO_URING_VERSION_MINOR)
const int CURing_liburing_version = IO_URING_VERSION_MAJOR * 100 + IO_URING_VERSION_MINOR;
#else
const int CURing_liburing_version = 203;
#endif

// The Swift side reads these structures field by field; fail the build, not
// the program, if a header ever disagrees with the kernel ABI we rely on.
_Static_assert(sizeof(struct io_uring_sqe) == 64, "unexpected io_uring_sqe size");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "unexpected io_uring_cqe size");
_Static_assert(sizeof(struct __kernel_timespec) == 16, "unexpected __kernel_timespec size");

const char *CURing_errno_name(int errnum) { return strerrorname_np(errnum); }
