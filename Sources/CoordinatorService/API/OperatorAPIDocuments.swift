import Coordinator
import Foundation

// The JSON documents of `serve`'s operator API, in one place. They are encoded with `JSONText`
// (sorted keys); the coding keys are spelled snake_case here, so a client decodes them with a
// plain `JSONDecoder`. Times are ISO-8601 UTC with a `Z`. Absent values are left out.

/// Every error: `{"error": CODE, "message": …}`; CODE is `unauthorized` (401), `forbidden` (403),
/// `not_found` (404), `bad_request` (400) or `internal_error` (500).
public struct APIErrorDocument: Codable, Sendable, Equatable {
    public var error: String
    public var message: String
}
