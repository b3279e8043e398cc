/// A credential. Its description is redacted so that interpolating it into a log line, an error
/// or the console can never leak it; only `reveal()` at the HTTP edge reads the value.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) { self.value = value }

    public var isEmpty: Bool { value.isEmpty }
    public func reveal() -> String { value }
    public var description: String { value.isEmpty ? "<empty>" : "<redacted>" }
    public var debugDescription: String { description }
}
