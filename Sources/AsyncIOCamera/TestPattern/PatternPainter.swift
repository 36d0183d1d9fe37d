/// Draws the test pattern: eight colour bars that scroll left by 8 pixels per
/// frame, and the frame's sequence number in big digits in the top-left
/// corner, in YUYV, RGB24, BGR24 or GREY.
///
/// The bars are drawn once into a row twice the frame's width; each frame
/// copies a window of it per line (one `memcpy` per line), then the counter's
/// box is filled. A 640x480 YUYV frame costs about 480 copies of 1280 bytes.
struct PatternPainter {
    let format: FrameFormat
    /// The brightness control (0...255, 128 = neutral): shifts luma.
    let brightness: Int32
    private let bytesPerPixel: Int
    /// Two frame widths of bars, in the frame's pixel format.
    private let barsRow: [UInt8]
    private let white: [UInt8]
    private let black: [UInt8]

    /// Pixels the bars move per frame (even, so YUYV pairs stay aligned).
    static let scrollPerFrame = 8

    init(format: FrameFormat, brightness: Int32 = 128) {
        self.format = format
        self.brightness = brightness
        bytesPerPixel = format.pixelFormat.bytesPerPixel ?? 1
        let colours: [(UInt8, UInt8, UInt8)] = [
            (255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
            (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0),
        ]
        let offset = Int(brightness) - 128
        let width = format.width
        var row: [UInt8] = []
        row.reserveCapacity(2 * width * bytesPerPixel)
        let barWidth = max(2, width / 8)
        var x = 0
        while x < 2 * width {
            let colour = colours[(x % width) / barWidth % 8]
            row += PatternPainter.encode(colour, format.pixelFormat, brightness: offset)
            x += format.pixelFormat == .yuyv ? 2 : 1
        }
        barsRow = row
        white = PatternPainter.encode((255, 255, 255), format.pixelFormat, brightness: 0)
        black = PatternPainter.encode((0, 0, 0), format.pixelFormat, brightness: 0)
    }

    /// One pixel (YUYV: one pair of pixels) of `rgb` in `pixelFormat`.
    static func encode(_ rgb: (UInt8, UInt8, UInt8), _ pixelFormat: PixelFormat, brightness: Int) -> [UInt8] {
        let (r, g, b) = (Int(rgb.0), Int(rgb.1), Int(rgb.2))
        func clamp(_ v: Int) -> UInt8 { UInt8(max(0, min(255, v))) }
        // BT.601, limited range (what V4L2 YUYV sources use).
        let y = clamp(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16 + brightness)
        let u = clamp(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128)
        let v = clamp(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128)
        switch pixelFormat {
        case .yuyv: return [y, u, y, v]
        case .rgb24: return [clamp(r + brightness), clamp(g + brightness), clamp(b + brightness)]
        case .bgr24: return [clamp(b + brightness), clamp(g + brightness), clamp(r + brightness)]
        default: return [y]
        }
    }

    /// Draws frame `sequence` into `base` (at least `format.sizeImage` bytes).
    func draw(into base: UnsafeMutableRawPointer, sequence: UInt32) {
        let width = format.width
        let stride = format.bytesPerLine
        let shift = Int(sequence) &* PatternPainter.scrollPerFrame % width & ~1
        let rowBytes = width * bytesPerPixel
        barsRow.withUnsafeBytes { bars in
            let source = bars.baseAddress! + shift * bytesPerPixel
            for line in 0..<format.height {
                (base + line * stride).copyMemory(from: source, byteCount: rowBytes)
            }
        }
        drawCounter(sequence, into: base)
    }

    /// The sequence number in a 5x7 font, each font pixel a `scale`-pixel
    /// square, white on a black box.
    private func drawCounter(_ value: UInt32, into base: UnsafeMutableRawPointer) {
        let digits = Array(String(value).utf8).map { Int($0 - UInt8(ascii: "0")) }
        // Even sizes keep YUYV pixel pairs whole: 480 lines → 16-pixel font pixels.
        let byHeight = (format.height / 28) & ~1
        let byWidth = ((format.width - 4) / (digits.count * 6 + 2)) & ~1
        let scaled = max(2, min(byHeight, byWidth))
        let margin = scaled
        let boxWidth = min(format.width, (digits.count * 6 + 1) * scaled)
        let boxHeight = min(format.height, 9 * scaled)
        fill(x: 0, y: 0, width: boxWidth + margin, height: boxHeight + margin, with: black, into: base)
        for (position, digit) in digits.enumerated() {
            let glyph = PatternPainter.font[digit]
            for row in 0..<7 {
                let bits = glyph[row]
                var column = 0
                while column < 5 {
                    guard bits & (0x10 >> column) != 0 else { column += 1; continue }
                    // Merge a run of set bits into one span.
                    var end = column
                    while end < 5, bits & (0x10 >> end) != 0 { end += 1 }
                    let x = margin + (position * 6 + column) * scaled
                    fill(x: x, y: margin + row * scaled, width: (end - column) * scaled, height: scaled, with: white, into: base)
                    column = end
                }
            }
        }
    }

    /// Fills a rectangle (clipped; x and width rounded to pairs for YUYV).
    private func fill(x: Int, y: Int, width: Int, height: Int, with pixel: [UInt8], into base: UnsafeMutableRawPointer) {
        let pair = format.pixelFormat == .yuyv ? 2 : 1
        let x0 = max(0, x) / pair * pair
        let x1 = min(format.width, x + width) / pair * pair
        let y1 = min(format.height, y + height)
        guard x1 > x0, y1 > y else { return }
        var span: [UInt8] = []
        span.reserveCapacity((x1 - x0) / pair * pixel.count)
        for _ in 0..<(x1 - x0) / pair { span += pixel }
        span.withUnsafeBytes { bytes in
            for line in max(0, y)..<y1 {
                (base + line * format.bytesPerLine + x0 * bytesPerPixel).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
        }
    }

    /// 5x7 digits, one byte per row, bit 4 = leftmost column.
    static let font: [[UInt8]] = [
        [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],  // 0
        [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],  // 1
        [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],  // 2
        [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],  // 3
        [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],  // 4
        [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],  // 5
        [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],  // 6
        [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],  // 7
        [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],  // 8
        [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],  // 9
    ]
}
