import AsyncIOTestSupport
import CV4L2
import Testing
@testable import AsyncIOCamera

/// Pure tests: fourcc codes, control ids, struct layout and the C shim's
/// values against Swift's view of them. No loop, no device.
@Suite("Camera formats and V4L2 structs (pure)")
struct CameraFormatTests {
    @Test func fourccCodesMatchVideodev2() {
        let pairs: [(PixelFormat, UInt32, String)] = [
            (.yuyv, CV4L2_PIX_FMT_YUYV, "YUYV"), (.uyvy, CV4L2_PIX_FMT_UYVY, "UYVY"),
            (.rgb24, CV4L2_PIX_FMT_RGB24, "RGB3"), (.bgr24, CV4L2_PIX_FMT_BGR24, "BGR3"),
            (.grey, CV4L2_PIX_FMT_GREY, "GREY"), (.nv12, CV4L2_PIX_FMT_NV12, "NV12"),
            (.nv12m, CV4L2_PIX_FMT_NV12M, "NM12"), (.yuv420, CV4L2_PIX_FMT_YUV420, "YU12"),
            (.yuv420m, CV4L2_PIX_FMT_YUV420M, "YM12"), (.mjpeg, CV4L2_PIX_FMT_MJPEG, "MJPG"),
            (.rgb565, CV4L2_PIX_FMT_RGB565, "RGBP"), (.xrgb32, CV4L2_PIX_FMT_XRGB32, "BX24"),
        ]
        for (format, c, text) in pairs {
            #expect(format.rawValue == c, "\(text)")
            #expect(format.fourcc == text)
            #expect(PixelFormat(text) == format)
        }
    }

    @Test func fourccFromStringRejectsWrongLengthAndNonASCII() {
        #expect(PixelFormat("YUY") == nil)
        #expect(PixelFormat("YUYV2") == nil)
        #expect(PixelFormat("YUé") == nil)
        #expect(PixelFormat(rawValue: 0x0001_4141).fourcc == "AA??")
    }

    @Test func bytesPerPixelOfPackedFormats() {
        #expect(PixelFormat.yuyv.bytesPerPixel == 2)
        #expect(PixelFormat.rgb24.bytesPerPixel == 3)
        #expect(PixelFormat.grey.bytesPerPixel == 1)
        #expect(PixelFormat.nv12.bytesPerPixel == nil)
        #expect(PixelFormat.mjpeg.bytesPerPixel == nil)
    }

    @Test func controlIdsMatchVideodev2() {
        let pairs: [(CameraControl, UInt32)] = [
            (.brightness, CV4L2_CID_BRIGHTNESS), (.contrast, CV4L2_CID_CONTRAST),
            (.saturation, CV4L2_CID_SATURATION), (.hue, CV4L2_CID_HUE),
            (.autoWhiteBalance, CV4L2_CID_AUTO_WHITE_BALANCE), (.gamma, CV4L2_CID_GAMMA),
            (.exposure, CV4L2_CID_EXPOSURE), (.autoGain, CV4L2_CID_AUTOGAIN), (.gain, CV4L2_CID_GAIN),
            (.horizontalFlip, CV4L2_CID_HFLIP), (.verticalFlip, CV4L2_CID_VFLIP),
            (.powerLineFrequency, CV4L2_CID_POWER_LINE_FREQUENCY),
            (.whiteBalanceTemperature, CV4L2_CID_WHITE_BALANCE_TEMPERATURE), (.sharpness, CV4L2_CID_SHARPNESS),
            (.autoExposure, CV4L2_CID_EXPOSURE_AUTO), (.exposureAbsolute, CV4L2_CID_EXPOSURE_ABSOLUTE),
        ]
        for (control, c) in pairs { #expect(control.rawValue == c, "\(control)") }
        #expect(CameraControl.brightness.description == "0x00980900")
    }

    @Test func controlKeysFollowV4L2Ctl() {
        #expect(ControlInfo.key(forName: "Brightness") == "brightness")
        #expect(ControlInfo.key(forName: "Inject V4L2_BUF_FLAG_ERROR") == "inject_v4l2_buf_flag_error")
        #expect(ControlInfo.key(forName: "Percentage of Dropped Buffers") == "percentage_of_dropped_buffers")
        #expect(ControlInfo.key(forName: "White Balance, Automatic") == "white_balance_automatic")
        #expect(ControlInfo.key(forName: "  (x)  ") == "x")
    }

    @Test func ioctlNumbersAreTheKernelABI() {
        // _IOR('V', 0, struct v4l2_capability): dir 2 (read), size 104, type 'V', nr 0.
        #expect(CV4L2_VIDIOC_QUERYCAP == 0x8068_5600)
        // _IOWR('V', 17, struct v4l2_buffer), 88 bytes on 64-bit.
        #expect(CV4L2_VIDIOC_DQBUF == 0xc058_5611)
        #expect(CV4L2_VIDIOC_QBUF == 0xc058_560f)
        // _IOW('V', 18, int) and _IOW('V', 19, int).
        #expect(CV4L2_VIDIOC_STREAMON == 0x4004_5612)
        #expect(CV4L2_VIDIOC_STREAMOFF == 0x4004_5613)
    }

    @Test func structLayoutsMatchC() {
        #expect(MemoryLayout<v4l2_capability>.size == CV4L2_SIZEOF_CAPABILITY)
        #expect(MemoryLayout<v4l2_format>.size == CV4L2_SIZEOF_FORMAT)
        #expect(MemoryLayout<v4l2_buffer>.size == CV4L2_SIZEOF_BUFFER)
        #expect(MemoryLayout<v4l2_plane>.size == CV4L2_SIZEOF_PLANE)
        #expect(MemoryLayout<v4l2_requestbuffers>.size == CV4L2_SIZEOF_REQUESTBUFFERS)
        #expect(MemoryLayout<v4l2_exportbuffer>.size == CV4L2_SIZEOF_EXPORTBUFFER)
        #expect(MemoryLayout<v4l2_streamparm>.size == CV4L2_SIZEOF_STREAMPARM)
        #expect(MemoryLayout<v4l2_queryctrl>.size == CV4L2_SIZEOF_QUERYCTRL)
        #expect(MemoryLayout<v4l2_fmtdesc>.size == CV4L2_SIZEOF_FMTDESC)
        #expect(MemoryLayout<v4l2_pix_format_mplane>.size == CV4L2_SIZEOF_PIX_FORMAT_MPLANE)
        #expect(MemoryLayout<v4l2_buffer>.offset(of: \.sequence) == CV4L2_OFFSETOF_BUFFER_SEQUENCE)
        #expect(MemoryLayout<v4l2_buffer>.offset(of: \.timestamp) == CV4L2_OFFSETOF_BUFFER_TIMESTAMP)
        #expect(MemoryLayout<v4l2_buffer>.offset(of: \.length) == CV4L2_OFFSETOF_BUFFER_LENGTH)
        #expect(MemoryLayout<v4l2_plane>.offset(of: \.data_offset) == CV4L2_OFFSETOF_PLANE_DATA_OFFSET)
        #expect(MemoryLayout<v4l2_pix_format_mplane>.offset(of: \.num_planes) == CV4L2_OFFSETOF_PIX_MP_NUM_PLANES)
        // The kernel ABI on x86_64, as a second witness.
        #expect(CV4L2_SIZEOF_BUFFER == 88)
        #expect(CV4L2_SIZEOF_FORMAT == 208)
        #expect(CV4L2_SIZEOF_PLANE == 64)
        #expect(CV4L2_SIZEOF_PIX_FORMAT_MPLANE == 192)
    }

    @Test func unionAccessorsReachTheRightBytes() {
        var buffer = v4l2_buffer()
        var planes = [v4l2_plane](repeating: v4l2_plane(), count: 3)
        planes.withUnsafeMutableBufferPointer { p in
            cv4l2_buffer_set_planes(&buffer, p.baseAddress, 3)
            #expect(buffer.length == 3)
            #expect(buffer.m.planes == p.baseAddress)
        }
        buffer.timestamp = timeval(tv_sec: 12, tv_usec: 345_678)
        #expect(cv4l2_buffer_timestamp_ns(&buffer) == 12_345_678_000)

        var format = v4l2_format()
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE.rawValue
        let mp = cv4l2_format_pix_mp(&format)!
        mp.pointee.width = 640
        mp.pointee.num_planes = 2
        mp.pointee.plane_fmt.1 = v4l2_plane_pix_format(sizeimage: 153_600, bytesperline: 640, reserved: (0, 0, 0, 0, 0, 0))
        var stride: UInt32 = 0
        var size: UInt32 = 0
        cv4l2_format_mp_plane(&format, 1, &stride, &size)
        #expect(stride == 640 && size == 153_600)
        cv4l2_format_mp_plane(&format, 9, &stride, &size)
        #expect(stride == 0 && size == 0)
        // fmt.pix and fmt.pix_mp alias the same first bytes (the width).
        #expect(cv4l2_format_pix(&format)!.pointee.width == 640)
    }

    @Test func frameIntervalFromRate() {
        #expect(FrameInterval(fps: 30) == FrameInterval(numerator: 1, denominator: 30))
        #expect(FrameInterval(fps: 29.97) == FrameInterval(numerator: 1000, denominator: 29970))
        #expect(FrameInterval(numerator: 1, denominator: 25).duration == .milliseconds(40))
        #expect(FrameInterval(numerator: 1, denominator: 25).fps == 25)
    }

    @Test func frameFormatDescription() {
        let format = FrameFormat(width: 640, height: 480, pixelFormat: .yuyv,
                                 planes: [PlaneLayout(bytesPerLine: 1280, sizeImage: 614_400)])
        #expect(format.description == "640x480 YUYV (1 plane, stride 1280)")
        #expect(format.bytesPerLine == 1280 && format.sizeImage == 614_400)
    }

    @Test func errorDescriptionsNameDeviceCallAndCause() {
        let error = CameraError.from(errno: 19, device: "/dev/video0", operation: "VIDIOC_DQBUF")
        #expect(error.code == .disconnected)
        #expect(error.description.contains("/dev/video0"))
        #expect(error.description.contains("VIDIOC_DQBUF"))
        #expect(error.description.contains("No such device"))
        #expect(CameraError.from(errno: 16, device: "d", operation: "o").code == .busy)
        #expect(CameraError.from(errno: 13, device: "d", operation: "o").code == .permissionDenied)
        #expect(CameraError.from(errno: 2, device: "d", operation: "o").code == .notFound)
        #expect(CameraError.from(errno: 5, device: "d", operation: "o").code == .system)
    }

    @Test func openingAMissingOrNonVideoNodeFailsWithATypedError() throws {
        try runLoopTest {
            #expect {
                _ = try Camera(device: "/dev/video-does-not-exist")
            } throws: { ($0 as? CameraError)?.code == .notFound }
            #expect {
                _ = try Camera(device: "/dev/null")
            } throws: { ($0 as? CameraError)?.code == .notACaptureDevice }
        }
    }
}
