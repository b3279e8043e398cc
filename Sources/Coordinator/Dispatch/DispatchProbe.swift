/// Lets a caller observe the moment a dispatch sends its Jenkins build request, without the core
/// knowing who listens: `serve` measures webhook-to-Jenkins latency with it.
public enum DispatchProbe {
    /// Called just before each Jenkins build request of a dispatch in this task.
    @TaskLocal public static var jobRequested: (@Sendable () -> Void)?
}
