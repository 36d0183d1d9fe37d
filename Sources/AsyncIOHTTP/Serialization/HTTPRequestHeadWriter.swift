import HTTPTypes

/// Writes a request head (request line and fields) into bytes.
enum HTTPRequestHeadWriter {
    /// The head of `request` to `target`: `Host` from the target, the caller's
    /// fields (its framing fields dropped: the body decides them), and
    /// `Content-Length` for a body, or 0 for a method that expects one.
    ///
    /// - Throws: ``HTTPClientError/invalidRequest(_:)`` for a field value with
    ///   a control character (it would split the head).
    static func bytes(_ request: HTTPRequest, target: HTTPClientTarget, bodyLength: Int?) throws(HTTPClientError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + target.path.utf8.count + request.headerFields.count * 32)
        out += Array(request.method.rawValue.utf8)
        out.append(32)
        out += Array(target.path.utf8)
        out += Array(" HTTP/1.1\r\nHost: ".utf8)
        out += Array(target.authority.utf8)
        out += [13, 10]
        for field in request.headerFields {
            switch field.name {
            case .contentLength, .transferEncoding: continue
            default: if field.name.canonicalName == "host" { continue }
            }
            guard field.value.utf8.allSatisfy({ HTTPSyntax.isFieldValueByte[Int($0)] }) else {
                throw .invalidRequest("control character in the value of \(field.name)")
            }
            out += Array(field.name.rawName.utf8)
            out += [58, 32]
            out += Array(field.value.utf8)
            out += [13, 10]
        }
        let expectsBody = [.post, .put, .patch].contains(request.method)
        if let length = bodyLength ?? (expectsBody ? 0 : nil) {
            out += Array("Content-Length: ".utf8)
            out += Array(String(length).utf8)
            out += [13, 10]
        }
        out += [13, 10]
        return out
    }
}
