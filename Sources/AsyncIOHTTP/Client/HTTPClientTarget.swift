import HTTPTypes

/// Where a request goes: the host and port to connect to, the `Host` field,
/// and the request target. Built from a URL or from an `HTTPRequest`'s
/// scheme, authority and path, and checked so that no byte of them can break
/// the request's framing.
struct HTTPClientTarget: Hashable {
    /// The name or address to connect to (an IPv6 literal without brackets).
    var host: String
    var port: Int
    /// The `Host` field: the authority as given.
    var authority: String
    /// The origin-form target (`/path?query`).
    var path: String

    /// Parses `http://host[:port][/path][?query][#fragment]` (the fragment is dropped).
    ///
    /// - Throws: ``HTTPClientError/invalidURL(_:)``, ``HTTPClientError/unsupportedScheme(_:)``.
    init(url: String) throws(HTTPClientError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { throw .invalidURL(url) }
        let scheme = url[..<colon].lowercased()
        guard scheme == "http" else { throw .unsupportedScheme(scheme) }
        var rest = url[url.index(colon, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        do {
            try self.init(authority: authority, path: path, defaultPort: 80)
        } catch {
            throw .invalidURL(url)
        }
    }

    /// The target of `request`: its scheme must be `http` or absent, its authority present.
    ///
    /// - Throws: ``HTTPClientError/unsupportedScheme(_:)``, ``HTTPClientError/invalidRequest(_:)``.
    init(request: HTTPRequest) throws(HTTPClientError) {
        if let scheme = request.scheme, scheme.lowercased() != "http" { throw .unsupportedScheme(scheme) }
        guard let authority = request.authority else { throw .invalidRequest("no authority (host) in the request") }
        try self.init(authority: authority, path: request.path ?? "/", defaultPort: 80)
    }

    private init(authority: String, path: String, defaultPort: Int) throws(HTTPClientError) {
        guard !authority.isEmpty, !authority.contains("@"),
              authority.utf8.allSatisfy({ HTTPSyntax.isAuthorityByte[Int($0)] })
        else { throw .invalidRequest("invalid authority \(authority.debugDescription)") }
        guard path.hasPrefix("/") || path == "*", path.utf8.allSatisfy({ HTTPSyntax.isTargetByte[Int($0)] }) else {
            throw .invalidRequest("invalid request target \(path.debugDescription)")
        }
        var host = Substring(authority)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidRequest("unclosed IPv6 literal") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .invalidRequest("invalid authority") }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .invalidRequest("no host in \(authority.debugDescription)") }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw .invalidRequest("invalid port in \(authority.debugDescription)")
            }
            port = parsed
        }
        self.host = String(host)
        self.port = port
        self.authority = authority
        self.path = path
    }

    /// The pool key: the connection's peer.
    var origin: String { "\(host.lowercased()):\(port)" }
}
