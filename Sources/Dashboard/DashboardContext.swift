import Foundation
import Hummingbird

/// Who is asking: the role (nil: not signed in), how they proved it, and the CSRF token their
/// pages must send back.
public struct DashboardIdentity: Sendable {
    public var role: DashboardRole?
    /// Authenticated by `Authorization: Bearer`: no cookie, so no CSRF token is needed.
    public var viaToken = false
    /// The session (browsers only).
    public var session: DashboardSession?
    public var csrfToken: String?
    /// Signed in with a password (so there is something to sign out of).
    public var signedIn = false
}

/// The request context of every dashboard route: Hummingbird's core storage plus the identity
/// the auth middleware found, and JSON coders with the API's snake_case keys.
public struct DashboardContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity = DashboardIdentity()

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var requestDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }

    public var responseEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// Throws 403 unless the caller may launch, cancel or retry.
    public func requireOperator() throws {
        guard identity.role?.mayOperate == true else {
            throw DashboardError(.forbidden, "forbidden",
                                 "the viewer role may view and export, not launch, cancel or retry")
        }
    }
}
