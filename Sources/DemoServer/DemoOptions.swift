/// The demo's settings: where it listens and which camera it opens.
public struct DemoOptions: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port (0: any free port).
    public var port = 8080
    /// The camera: a V4L2 node such as `/dev/video0`, `"test-pattern"` for the
    /// built-in pattern, or nil for `/dev/video0` when it works, else the pattern.
    public var device: String?
    /// The requested frame width in pixels.
    public var width = 640
    /// The requested frame height in pixels.
    public var height = 480
    /// The requested frame rate.
    public var fps: Double = 30
    /// The JPEG quality, 1...100.
    public var quality = 80
    /// Whether to print the live status line (the executable sets it).
    public var printStatus = false

    /// The defaults: 127.0.0.1:8080, the default camera at 640×480, 30 fps.
    public init() {}

    /// Parses `--host --port --device --width --height --fps --quality`
    /// (arguments without the program name).
    ///
    /// - Throws: ``DemoUsageError`` for an unknown flag or a bad value.
    public init(arguments: [String]) throws(DemoUsageError) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--help" || flag == "-h" { throw DemoUsageError(message: "") }
            guard let value = rest.popFirst() else { throw DemoUsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port": port = try Self.int(value, flag, 0...65535)
            case "--device": device = value
            case "--width": width = try Self.int(value, flag, 16...8192)
            case "--height": height = try Self.int(value, flag, 16...8192)
            case "--quality": quality = try Self.int(value, flag, 1...100)
            case "--fps":
                guard let f = Double(value), f > 0, f <= 1000 else { throw DemoUsageError(message: "bad value \(value) for --fps") }
                fps = f
            default: throw DemoUsageError(message: "unknown flag \(flag)")
            }
        }
    }

    /// The usage line.
    public static let usage =
        "usage: asyncio-demo [--host H] [--port P] [--device /dev/videoN|test-pattern] [--width W] [--height H] [--fps F] [--quality Q]"

    private static func int(_ value: String, _ flag: String, _ range: ClosedRange<Int>) throws(DemoUsageError) -> Int {
        guard let n = Int(value), range.contains(n) else { throw DemoUsageError(message: "bad value \(value) for \(flag)") }
        return n
    }
}

/// A command-line mistake (an empty message means `--help` was asked for).
public struct DemoUsageError: Error, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}
