import AsyncIO
import ServerSupport
#if canImport(Glibc)
import Glibc
#endif

extension DemoServer {
    /// Runs the demo until SIGINT or SIGTERM: starts it, prints
    /// `listening on H:P` and the URL to open, refreshes a one-line status
    /// (`\r`) twice a second when ``DemoOptions/printStatus`` is set, then
    /// stops cleanly.
    ///
    /// - Throws: what ``start(options:)`` throws.
    public nonisolated static func runUntilSignalled(options: DemoOptions) throws {
        let stop = ThreadSafeFlag()
        installStopSignals(stop)
        try AsyncIO.run {
            let demo = try await DemoServer.start(options: options)
            let s = demo.statistics
            print("camera: \(s.device) \(s.width)x\(s.height) \(s.pixelFormat) at \(options.fps) fps; loop backend: \(s.backend)")
            print("listening on \(demo.localAddress)")
            print("open \(demo.url) in a browser (Ctrl-C stops)")
            fflush(nil)
            let status: TaskHandle<Void>? = options.printStatus ? createTask(name: "demo-status") {
                while true {
                    try await sleepMs(500)
                    let line = demo.statistics.statusLine
                    print("\r\u{1B}[K" + line, terminator: "")
                    fflush(nil)
                }
            } : nil
            try await stop.wait()
            _ = status?.cancel()
            _ = try? await status?.value
            if options.printStatus { print("") }
            print("stopping")
            await demo.stop()
            let final = demo.statistics
            print("stopped: \(final.framesCaptured) frames captured, \(final.framesDropped) dropped, \(final.framesEncoded) encoded, \(final.framesSent) sent")
        }
    }
}
