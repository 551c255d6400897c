import Foundation

/// Removes passwords from connection strings before they are shown anywhere.
///
/// Handles every form a PostgreSQL or AMQP connection string can carry one in: the URL's
/// `user:password@`, a `password=` (or `sslpassword=`) query parameter, and libpq's
/// `key=value` form, quoted (`password='a b'`) or not. The password becomes `***`.
public enum Redaction {
    nonisolated(unsafe) static let keyValue = try! NSRegularExpression(
        pattern: #"(?i)(^|[\s?&;])((?:ssl)?pass(?:word)?\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&;#]*)"#)

    /// `text` with every password replaced by `***`.
    public static func redact(_ text: String) -> String {
        var out = text
        // user:password@ in a URL (the last @ before the host, so a password may hold '@').
        if let schemeEnd = out.range(of: "://") {
            let rest = out[schemeEnd.upperBound...]
            let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<hostEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                out = String(out[..<colon]) + ":***" + String(out[at...])
            }
        }
        let range = NSRange(out.startIndex..., in: out)
        return keyValue.stringByReplacingMatches(in: out, range: range, withTemplate: "$1$2***")
    }
}
