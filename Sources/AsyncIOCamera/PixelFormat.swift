/// A V4L2 pixel format: a four-character code (`"YUYV"`, `"RGB3"`, ...), as
/// the driver reports it (`v4l2_fourcc`, little-endian).
public struct PixelFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 32-bit code, `a | b << 8 | c << 16 | d << 24`.
    public let rawValue: UInt32

    /// Wraps a 32-bit code.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds the code from four ASCII characters (`PixelFormat("YUYV")`);
    /// returns nil unless `fourcc` is exactly four ASCII characters.
    public init?(_ fourcc: String) {
        let bytes = Array(fourcc.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        rawValue = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// The four characters (`"YUYV"`); unprintable bytes show as `?`.
    public var fourcc: String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) }
        return String(decoding: bytes.map { (0x20..<0x7f).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// The four characters.
    public var description: String { fourcc }

    /// Packed 4:2:2 Y0 U Y1 V, 2 bytes per pixel (what most webcams and vivid give).
    public static let yuyv = PixelFormat(rawValue: 0x5659_5559)  // "YUYV"
    /// Packed 4:2:2 U Y0 V Y1.
    public static let uyvy = PixelFormat(rawValue: 0x5956_5955)  // "UYVY"
    /// 24-bit R, G, B.
    public static let rgb24 = PixelFormat(rawValue: 0x3342_4752)  // "RGB3"
    /// 24-bit B, G, R.
    public static let bgr24 = PixelFormat(rawValue: 0x3352_4742)  // "BGR3"
    /// 8-bit luminance.
    public static let grey = PixelFormat(rawValue: 0x5945_5247)  // "GREY"
    /// Planar 4:2:0 Y plane then interleaved UV, in one buffer.
    public static let nv12 = PixelFormat(rawValue: 0x3231_564e)  // "NV12"
    /// NV12 with the Y and UV planes in separate buffers (multi-planar API).
    public static let nv12m = PixelFormat(rawValue: 0x3231_4d4e)  // "NM12"
    /// Planar 4:2:0 Y, U, V in one buffer.
    public static let yuv420 = PixelFormat(rawValue: 0x3231_5559)  // "YU12"
    /// Planar 4:2:0 Y, U, V in three buffers (multi-planar API).
    public static let yuv420m = PixelFormat(rawValue: 0x3231_4d59)  // "YM12"
    /// Motion JPEG (compressed; `bytesUsed` varies per frame).
    public static let mjpeg = PixelFormat(rawValue: 0x4750_4a4d)  // "MJPG"
    /// 16-bit RGB 5:6:5.
    public static let rgb565 = PixelFormat(rawValue: 0x5042_4752)  // "RGBP"
    /// 32-bit B, G, R, X in memory.
    public static let xrgb32 = PixelFormat(rawValue: 0x3432_5842)  // "BX24"

    /// Bytes per pixel of a packed single-plane format, nil for planar or compressed ones.
    public var bytesPerPixel: Int? {
        switch self {
        case .yuyv, .uyvy, .rgb565: return 2
        case .rgb24, .bgr24: return 3
        case .grey: return 1
        case .xrgb32: return 4
        default: return nil
        }
    }
}

/// One plane of a frame format: its line stride and size in bytes.
public struct PlaneLayout: Hashable, Sendable {
    /// Bytes from the start of one line to the next (the stride).
    public var bytesPerLine: Int
    /// Bytes the driver needs for the whole plane.
    public var sizeImage: Int

    /// Creates a plane layout.
    public init(bytesPerLine: Int, sizeImage: Int) {
        self.bytesPerLine = bytesPerLine
        self.sizeImage = sizeImage
    }
}

/// A negotiated capture format: what the driver (or the test pattern)
/// actually produces, which may differ from what was asked.
public struct FrameFormat: Hashable, Sendable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The pixel format.
    public var pixelFormat: PixelFormat
    /// The planes: one for the single-planar API (even for NV12/YU12, whose
    /// planes share one buffer), one per buffer for the multi-planar API.
    public var planes: [PlaneLayout]
    /// True when the device uses the multi-planar API (`V4L2_CAP_VIDEO_CAPTURE_MPLANE`).
    public var isMultiplanar: Bool

    /// Creates a format.
    public init(width: Int, height: Int, pixelFormat: PixelFormat, planes: [PlaneLayout], isMultiplanar: Bool = false) {
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.planes = planes
        self.isMultiplanar = isMultiplanar
    }

    /// The stride of the first plane.
    public var bytesPerLine: Int { planes.first?.bytesPerLine ?? 0 }

    /// The size of the first plane.
    public var sizeImage: Int { planes.first?.sizeImage ?? 0 }

    /// `640x480 YUYV (1 plane, stride 1280)`.
    public var description: String {
        "\(width)x\(height) \(pixelFormat) (\(planes.count) plane\(planes.count == 1 ? "" : "s")\(isMultiplanar ? ", mplane" : ""), stride \(bytesPerLine))"
    }
}

/// A frame interval (`1/30` s) as V4L2 reports it.
public struct FrameInterval: Hashable, Sendable, CustomStringConvertible {
    /// Numerator (seconds).
    public var numerator: UInt32
    /// Denominator.
    public var denominator: UInt32

    /// Creates `numerator/denominator` seconds.
    public init(numerator: UInt32, denominator: UInt32) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The interval for a rate in frames per second (rounded to 1/1000 s precision).
    public init(fps: Double) {
        if fps == fps.rounded(), fps >= 1, fps <= Double(UInt32.max) {
            self.init(numerator: 1, denominator: UInt32(fps))
        } else {
            self.init(numerator: 1000, denominator: UInt32(max(1, min(Double(UInt32.max), (fps * 1000).rounded()))))
        }
    }

    /// Frames per second (0 for a zero interval).
    public var fps: Double { numerator == 0 ? 0 : Double(denominator) / Double(numerator) }

    /// The interval as a duration.
    public var duration: Duration {
        denominator == 0 ? .zero : .nanoseconds(Int64(numerator) * 1_000_000_000 / Int64(denominator))
    }

    /// `1/30`.
    public var description: String { "\(numerator)/\(denominator)" }
}
