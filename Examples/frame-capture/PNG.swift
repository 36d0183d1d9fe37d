// A minimal PNG encoder for the frame-capture example: 8-bit RGB, no
// filtering, the image data in zlib "stored" (uncompressed) deflate blocks.
// Enough for any PNG viewer; no dependency.

/// Encodes `rgb` (`width * height * 3` bytes, rows top to bottom) as a PNG file.
func encodePNG(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
    precondition(rgb.count == width * height * 3, "RGB data does not match the size")
    // Each scanline starts with its filter type: 0 (none).
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (1 + width * 3))
    for row in 0..<height {
        raw.append(0)
        raw += rgb[(row * width * 3)..<((row + 1) * width * 3)]
    }
    var header: [UInt8] = []
    header += bigEndian(UInt32(width))
    header += bigEndian(UInt32(height))
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, no filter method, no interlace
    var png: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
    png += chunk("IHDR", header)
    png += chunk("IDAT", zlibStored(raw))
    png += chunk("IEND", [])
    return png
}

/// A zlib stream of stored deflate blocks (at most 65,535 bytes each).
func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window; header check: 0x7801 % 31 == 0
    var offset = 0
    repeat {
        let count = min(65_535, data.count - offset)
        let isLast = offset + count == data.count
        out.append(isLast ? 1 : 0)  // BFINAL, BTYPE = 00 (stored)
        out += [UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
        out += data[offset..<(offset + count)]
        offset += count
    } while offset < data.count
    out += bigEndian(adler32(data))
    return out
}

/// One PNG chunk: length, type, data, CRC-32 of type and data.
func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
}

/// CRC-32 (ISO 3309, the one PNG and zip use), bitwise with a table.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
        crc = crcTable[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
    }
    return crc ^ 0xffff_ffff
}

let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// Adler-32, zlib's checksum of the uncompressed data.
func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    var index = 0
    while index < bytes.count {
        // 5552 bytes keep the sums below 2^32 before the modulo.
        let end = min(bytes.count, index + 5552)
        for i in index..<end {
            a += UInt32(bytes[i])
            b += a
        }
        a %= 65_521
        b %= 65_521
        index = end
    }
    return b << 16 | a
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}
