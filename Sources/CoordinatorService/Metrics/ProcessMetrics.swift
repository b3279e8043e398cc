import Foundation

/// The `process_*` metrics every Prometheus client library exports, read from `/proc` when
/// scraped: dashboards and alerts written for any service (restarts, memory growth, CPU, file
/// descriptors running out) then work for `coordinator serve` too.
///
/// | name | type | source |
/// |---|---|---|
/// | `process_cpu_seconds_total` | counter | `/proc/self/stat` utime + stime, in clock ticks |
/// | `process_start_time_seconds` | gauge | `/proc/self/stat` starttime after boot + `btime` of `/proc/stat` |
/// | `process_resident_memory_bytes` | gauge | `/proc/self/stat` rss, in pages |
/// | `process_virtual_memory_bytes` | gauge | `/proc/self/stat` vsize |
/// | `process_open_fds` | gauge | entries of `/proc/self/fd` |
/// | `process_max_fds` | gauge | the soft "Max open files" of `/proc/self/limits` |
///
/// Where a figure cannot be read (no `/proc`: macOS; an unexpected line), that metric is left
/// out rather than shown as 0, which would read as "no memory" or "no descriptors left".
public struct ProcessMetrics: Sendable {
    /// `/proc/self` (a test points it at a directory of its own).
    public var processDirectory: String
    /// `/proc/stat`, for the boot time.
    public var systemStat: String
    /// Clock ticks per second and page size, as the kernel counts them.
    public var ticksPerSecond: Double
    public var pageSize: Double

    public init(
        processDirectory: String = "/proc/self", systemStat: String = "/proc/stat",
        ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: Double = Double(sysconf(Int32(_SC_PAGESIZE)))
    ) {
        self.processDirectory = processDirectory
        self.systemStat = systemStat
        self.ticksPerSecond = ticksPerSecond
        self.pageSize = pageSize
    }

    /// One metric as read: its name, type, help text and value.
    struct Sample: Equatable {
        var name: String
        var type: String
        var help: String
        var value: Double
    }

    /// The metrics that could be read now, in a fixed order.
    func samples() -> [Sample] {
        var samples: [Sample] = []
        let stat = read("\(processDirectory)/stat").flatMap(Self.statFields)
        if let stat, ticksPerSecond > 0, let user = stat.number(14), let system = stat.number(15) {
            samples.append(Sample(
                name: "process_cpu_seconds_total", type: "counter",
                help: "Total user and system CPU time spent in seconds.", value: (user + system) / ticksPerSecond))
        }
        if let stat, ticksPerSecond > 0, let started = stat.number(22), let boot = read(systemStat).flatMap(Self.bootTime) {
            samples.append(Sample(
                name: "process_start_time_seconds", type: "gauge",
                help: "Start time of the process since unix epoch in seconds.", value: boot + started / ticksPerSecond))
        }
        if let stat, pageSize > 0, let pages = stat.number(24) {
            samples.append(Sample(
                name: "process_resident_memory_bytes", type: "gauge", help: "Resident memory size in bytes.",
                value: pages * pageSize))
        }
        if let stat, let bytes = stat.number(23) {
            samples.append(Sample(
                name: "process_virtual_memory_bytes", type: "gauge", help: "Virtual memory size in bytes.", value: bytes))
        }
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "\(processDirectory)/fd") {
            samples.append(Sample(
                name: "process_open_fds", type: "gauge", help: "Number of open file descriptors.", value: Double(open.count)))
        }
        if let limit = read("\(processDirectory)/limits").flatMap(Self.maxOpenFiles) {
            samples.append(Sample(
                name: "process_max_fds", type: "gauge", help: "Maximum number of open file descriptors.", value: limit))
        }
        return samples
    }

    /// The samples in the Prometheus text format, `# HELP` and `# TYPE` first.
    public func render() -> String {
        samples().map { sample in
            "# HELP \(sample.name) \(sample.help)\n# TYPE \(sample.name) \(sample.type)\n\(sample.name) \(Self.text(sample.value))\n"
        }.joined()
    }

    // MARK: Reading /proc

    /// The fields of `/proc/self/stat`, numbered as proc(5) numbers them (1: pid, 2: comm, …).
    struct StatFields {
        /// Fields 3 onwards; comm (field 2) may itself hold spaces and parentheses.
        var afterCommand: [Substring]

        func number(_ field: Int) -> Double? {
            let index = field - 3
            guard afterCommand.indices.contains(index) else { return nil }
            return Double(afterCommand[index])
        }
    }

    /// Splits a stat line after the command name's last `)`, so a name like `a) (b` cannot shift
    /// the fields.
    static func statFields(_ text: String) -> StatFields? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        return StatFields(afterCommand: text[text.index(after: close)...].split(whereSeparator: \.isWhitespace))
    }

    /// `btime` of `/proc/stat`: the boot time in seconds since the epoch.
    static func bootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The soft limit on the "Max open files" line of `/proc/self/limits`; nil when unlimited.
    static func maxOpenFiles(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            return line.dropFirst("Max open files".count).split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
        }
        return nil
    }

    private func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// Whole numbers without a fraction (`12`, not `12.0`), others as Swift prints them, which
    /// Prometheus parses (`0.25`, `1.7e+09`).
    static func text(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
