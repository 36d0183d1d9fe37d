//===----------------------------------------------------------------------===//
// swift-asyncio — CURing: liburing (Debian liburing-dev) for Swift.
//
// Swift imports liburing's static inline helpers directly (they are inlined
// into the Swift code). This header only adds what Swift cannot import:
// constants built from function-like macros, and layout checks.
//===----------------------------------------------------------------------===//
#ifndef CURING_H
#define CURING_H

// liburing.h defines _GNU_SOURCE/_XOPEN_SOURCE before it includes libc headers;
// including <features.h> first keeps this module's view of libc identical to
// Glibc's, otherwise Swift reports "'__fds_bits' ... is not present in fd_set".
#include <features.h>

#if __has_include(<liburing.h>)
#include <liburing.h>
#else
#error "liburing.h not found: install liburing-dev (Debian) or liburing-devel"
#endif

#include <stdint.h>

/// `IOSQE_IO_LINK`: Swift cannot import `(1U << IOSQE_IO_LINK_BIT)`.
extern const uint8_t CURing_IOSQE_IO_LINK;
/// `IOSQE_ASYNC`: Swift cannot import `(1U << IOSQE_ASYNC_BIT)`.
extern const uint8_t CURing_IOSQE_ASYNC;
/// `IOSQE_CQE_SKIP_SUCCESS`: Swift cannot import `(1U << IOSQE_CQE_SKIP_SUCCESS_BIT)`.
extern const uint8_t CURing_IOSQE_CQE_SKIP_SUCCESS;
/// `IOSQE_FIXED_FILE`: Swift cannot import `(1U << IOSQE_FIXED_FILE_BIT)`.
extern const uint8_t CURing_IOSQE_FIXED_FILE;

/// The liburing version the package was compiled against, as `major * 100 + minor`.
/// liburing 2.3 (Debian 12) has no `IO_URING_VERSION_*` macros; they arrived in 2.4.
extern const int CURing_liburing_version;

/// The symbolic name of an error number ("EAGAIN"), or NULL if unknown.
/// A shim because glibc declares `strerrorname_np` only under _GNU_SOURCE,
/// which Swift's Glibc module is not built with.
const char *_Nullable CURing_errno_name(int errnum);

#endif /* CURING_H */
