/// Writes a sanitized line back as terminal text: with `color`, its styles as SGR sequences (and
/// nothing else: the line holds no other control), the style reset at the end; without, its
/// plain text. Every line stands alone, so a reader may print any subset of them.
public func renderANSI(_ line: LogLine, color: Bool) -> String {
    guard color else { return line.plain }
    var output = ""
    var styled = false
    for span in line.spans {
        if span.style == .plain {
            if styled { output += "\u{1B}[0m" }
            styled = false
        } else {
            output += "\u{1B}[" + sgrParameters(span.style) + "m"
            styled = true
        }
        output += span.text
    }
    if styled { output += "\u{1B}[0m" }
    return output
}

/// `0;1;4;31;42`: a reset, then every attribute of `style`.
func sgrParameters(_ style: LogStyle) -> String {
    var codes = ["0"]
    if style.bold { codes.append("1") }
    if style.underline { codes.append("4") }
    if let foreground = style.foreground {
        codes.append(foreground < 8 ? "\(30 + Int(foreground))" : foreground < 16 ? "\(90 + Int(foreground) - 8)" : "38;5;\(foreground)")
    }
    if let background = style.background {
        codes.append(background < 8 ? "\(40 + Int(background))" : background < 16 ? "\(100 + Int(background) - 8)" : "48;5;\(background)")
    }
    return codes.joined(separator: ";")
}
