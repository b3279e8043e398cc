import Foundation
import ServiceLifecycle

/// The events of the other instances sharing a store, and this one's to them, so a console
/// attached to one instance sees what another dispatched. `EventHub` sends every event it
/// publishes; `run` hands the others' to the hub, which publishes them to its own clients only.
public protocol EventRelay: Sendable {
    /// Sends one of this instance's events to the others. Never blocks and never fails the
    /// publisher: an event the relay cannot send is the others' to miss (their consoles reload
    /// when the relay comes back).
    func send(_ kind: OperatorEvent.Kind, data: String)
    /// Until cancelled: hands each event of another instance to `receive`, and `.reload` after
    /// the relay was down (events may have been missed).
    func run(_ receive: @escaping @Sendable (OperatorEvent.Kind, String) -> Void) async
}

/// Runs a relay into a hub as one of `serve`'s services, ending with the graceful shutdown.
struct EventRelayService: Service {
    let relay: any EventRelay
    let hub: EventHub

    func run() async throws {
        let hub = self.hub
        await cancelWhenGracefulShutdown {
            await relay.run { kind, data in hub.publish(kind, data: data, relayed: true) }
        }
    }
}
