/// A snapshot of the demo's counters, as `/stats` serves them.
public struct DemoStatistics: Sendable {
    /// Frames the capture task received from the camera.
    public var framesCaptured = 0
    /// Frames the camera produced that the capture task never saw (sequence gaps).
    public var framesDropped = 0
    /// Frames compressed to JPEG (one per new frame while someone watches).
    public var framesEncoded = 0
    /// Frames sent to stream clients, all clients together.
    public var framesSent = 0
    /// Frames stream clients skipped because they were still sending an older one.
    public var framesSkippedByClients = 0
    /// The capture rate over the last second.
    public var fps = 0.0
    /// Capture-to-send latency (frame timestamp to the last byte handed to the
    /// kernel), median over the last 512 sends, in milliseconds.
    public var latencyP50Ms = 0.0
    /// The same, 99th percentile.
    public var latencyP99Ms = 0.0
    /// The mean encode time of the last 64 encodes, in milliseconds.
    public var encodeMs = 0.0
    /// The size of the newest JPEG in bytes.
    public var jpegBytes = 0
    /// Connected `/stream` clients.
    public var clients = 0
    /// Open HTTP connections of any kind.
    public var connections = 0
    /// The capture size.
    public var width = 0
    /// The capture size.
    public var height = 0
    /// The camera's pixel format (FourCC).
    public var pixelFormat = ""
    /// The camera (`/dev/video0` or `test-pattern`).
    public var device = ""
    /// The loop's I/O backend.
    public var backend = ""
    /// Seconds since the server started.
    public var uptime = 0.0

    /// The statistics as a JSON object.
    public var json: String {
        func str(_ s: String) -> String {
            var out = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if c.value < 0x20 { out += "\\u00" + (c.value < 16 ? "0" : "") + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
                }
            }
            return out + "\""
        }
        func num(_ d: Double) -> String { d.isFinite ? String(Double(Int((d * 100).rounded())) / 100) : "0" }
        return """
        {"framesCaptured":\(framesCaptured),"framesDropped":\(framesDropped),"framesEncoded":\(framesEncoded),\
        "framesSent":\(framesSent),"framesSkippedByClients":\(framesSkippedByClients),"fps":\(num(fps)),\
        "latencyMs":{"p50":\(num(latencyP50Ms)),"p99":\(num(latencyP99Ms))},"encodeMs":\(num(encodeMs)),\
        "jpegBytes":\(jpegBytes),"clients":\(clients),"connections":\(connections),"width":\(width),"height":\(height),\
        "pixelFormat":\(str(pixelFormat)),"device":\(str(device)),"backend":\(str(backend)),"uptime":\(num(uptime))}
        """
    }

    /// The one-line terminal status.
    public var statusLine: String {
        func f1(_ d: Double) -> String { String(Double(Int((d * 10).rounded())) / 10) }
        return "\(f1(fps)) fps | captured \(framesCaptured) | dropped \(framesDropped) | clients \(clients)"
            + " | latency p50 \(f1(latencyP50Ms)) ms p99 \(f1(latencyP99Ms)) ms | encode \(f1(encodeMs)) ms"
            + " | skipped by slow clients \(framesSkippedByClients)"
    }
}

/// The last `capacity` samples, for rates and percentiles.
struct SampleWindow {
    private var samples: [Int64] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ value: Int64) {
        if samples.count < capacity {
            samples.append(value)
        } else {
            samples[next] = value
            next = (next + 1) % capacity
        }
    }

    var values: [Int64] { samples }

    /// The `p`-th percentile (0...1) by nearest rank, or 0 with no samples.
    func percentile(_ p: Double) -> Int64 {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    var mean: Double {
        samples.isEmpty ? 0 : Double(samples.reduce(0, +)) / Double(samples.count)
    }
}
