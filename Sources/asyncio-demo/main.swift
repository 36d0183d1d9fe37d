// The demo: a camera in the browser. Frames come from /dev/video0 when one
// works, else from the built-in test pattern; open the printed URL for the
// live MJPEG stream and its statistics. Ctrl-C stops it.
//
//   asyncio-demo [--host H] [--port P] [--device /dev/videoN|test-pattern]
//                [--width W] [--height H] [--fps F] [--quality Q]
//
// The server is the DemoServer library (Sources/DemoServer), tested by Tests/DemoTests.

import DemoServer
#if canImport(Glibc)
import Glibc
#endif

do {
    var options = try DemoOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    // The live status line is for a terminal; in a log or a pipe it would be noise.
    options.printStatus = isatty(STDOUT_FILENO) != 0
    try DemoServer.runUntilSignalled(options: options)
} catch let error as DemoUsageError {
    if !error.message.isEmpty { print("asyncio-demo: \(error)") }
    print(DemoOptions.usage)
    exit(error.message.isEmpty ? 0 : 2)
} catch {
    print("asyncio-demo: \(error)")
    exit(1)
}
