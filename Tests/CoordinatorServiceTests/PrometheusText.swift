import Foundation

/// Reads one sample out of Prometheus text: the value on the line `name{labels} value`, or nil
/// when there is no such line. `labels` as rendered, e.g. `result="accepted"`; empty for none.
func prometheusSample(_ text: String, _ name: String, _ labels: String = "") -> Double? {
    let series = labels.isEmpty ? name + " " : name + "{" + labels + "} "
    for line in text.split(separator: "\n") where line.hasPrefix(series) {
        return Double(line.dropFirst(series.count).trimmingCharacters(in: .whitespaces))
    }
    return nil
}
