public import HTTPTypes

/// A complete response, its body read into memory (at most the client's
/// ``HTTPParserLimits/bodyBytes``).
public struct HTTPClientResponse: Sendable {
    /// Status and header fields.
    public var response: HTTPResponse
    /// The version the server answered with.
    public var version: HTTPVersion
    /// The body's bytes.
    public var body: [UInt8]
    /// A chunked body's trailer fields.
    public var trailers: HTTPFields

    /// The status.
    public var status: HTTPResponse.Status { response.status }
    /// The header fields.
    public var headerFields: HTTPFields { response.headerFields }
    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
