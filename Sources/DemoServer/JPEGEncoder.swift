public import AsyncIOCamera
import CTurboJPEG

/// Encodes camera frames to baseline JPEG with libjpeg-turbo (TurboJPEG).
///
/// One encoder keeps its TurboJPEG handle, its planar scratch buffer and its
/// output buffer between frames, so encoding a frame allocates only the
/// returned array. Supported inputs: YUYV (4:2:2, the usual webcam format),
/// RGB24, BGR24 and GREY are compressed; MJPEG frames are passed through.
/// Not thread-safe: use one encoder from one thread (the loop).
public final class JPEGEncoder {
    /// The JPEG quality, 1...100.
    public var quality: Int
    private let handle: tjhandle
    private var scratch: [UInt8] = []
    private var output: UnsafeMutablePointer<UInt8>?
    private var outputSize: UInt = 0

    /// Creates an encoder with `quality` (1...100, clamped).
    public init(quality: Int = 80) {
        self.quality = min(100, max(1, quality))
        handle = tjInitCompress()!
    }

    deinit {
        if let output { tjFree(output) }
        tjDestroy(handle)
    }

    /// Compresses one image.
    ///
    /// - Parameters:
    ///   - bytes: the pixels (plane 0).
    ///   - format: their layout (size, pixel format, bytes per line).
    /// - Returns: the JPEG file's bytes.
    /// - Throws: ``JPEGError`` for an unsupported pixel format, a buffer too
    ///   small for `format`, or a TurboJPEG failure.
    public func encode(_ bytes: UnsafeRawBufferPointer, format: FrameFormat) throws(JPEGError) -> [UInt8] {
        let width = format.width, height = format.height
        let pitch = format.bytesPerLine
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw JPEGError("empty frame")
        }
        if format.pixelFormat == .mjpeg { return Array(bytes) }
        var pixel: Int32
        var subsampling = Int32(TJSAMP_420.rawValue)
        switch format.pixelFormat {
        case .yuyv:
            guard pitch >= width * 2, bytes.count >= pitch * (height - 1) + width * 2 else {
                throw JPEGError("frame of \(bytes.count) bytes is too small for \(format)")
            }
            if scratch.count < width * height * 2 { scratch = [UInt8](repeating: 0, count: width * height * 2) }
            let rc = scratch.withUnsafeMutableBufferPointer { s in
                ctj_compress_yuyv(handle, base, Int32(width), Int32(pitch), Int32(height), Int32(quality),
                                  s.baseAddress, &output, &outputSize)
            }
            guard rc == 0 else { throw JPEGError(lastError) }
            return finish()
        case .rgb24: pixel = Int32(TJPF_RGB.rawValue)
        case .bgr24: pixel = Int32(TJPF_BGR.rawValue)
        case .grey:
            pixel = Int32(TJPF_GRAY.rawValue)
            subsampling = Int32(TJSAMP_GRAY.rawValue)
        default:
            throw JPEGError("pixel format \(format.pixelFormat) is not supported")
        }
        let bytesPerPixel = format.pixelFormat.bytesPerPixel ?? 1
        guard pitch >= width * bytesPerPixel, bytes.count >= pitch * (height - 1) + width * bytesPerPixel else {
            throw JPEGError("frame of \(bytes.count) bytes is too small for \(format)")
        }
        let rc = tjCompress2(handle, base, Int32(width), Int32(pitch), Int32(height), pixel,
                             &output, &outputSize, subsampling, Int32(quality), TJFLAG_FASTDCT)
        guard rc == 0 else { throw JPEGError(lastError) }
        return finish()
    }

    private func finish() -> [UInt8] {
        guard let output else { return [] }
        return Array(UnsafeBufferPointer(start: output, count: Int(outputSize)))
    }

    private var lastError: String {
        guard let text = tjGetErrorStr2(handle) else { return "TurboJPEG failed" }
        return String(cString: text)
    }
}

/// Why a frame could not be encoded.
public struct JPEGError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}
