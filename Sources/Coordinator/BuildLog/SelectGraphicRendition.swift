/// Applies the parameters of one SGR sequence (`ESC [ P ; P … m`) to a style, as a terminal
/// would. Parameters the style cannot show (italic, blink, reverse, …) are ignored.
enum SelectGraphicRendition {
    /// `parameters` is the text between `ESC [` and `m`: numbers separated by `;`, sub-parameters
    /// by `:` (`38:2::R:G:B`, `38:5:N`). Missing or unreadable numbers count as 0, as terminals do.
    static func apply(_ parameters: String, to style: inout LogStyle) {
        let groups = parameters.split(separator: ";", omittingEmptySubsequences: false).map { group in
            group.split(separator: ":", omittingEmptySubsequences: false).map { number($0) }
        }
        var index = 0
        while index < groups.count {
            let group = groups[index]
            let code = group.first ?? 0
            index += 1
            switch code {
            case 0: style = .plain
            case 1: style.bold = true
            case 22: style.bold = false
            case 4: style.underline = true
            case 24: style.underline = false
            case 30...37: style.foreground = UInt8(code - 30)
            case 39: style.foreground = nil
            case 40...47: style.background = UInt8(code - 40)
            case 49: style.background = nil
            case 90...97: style.foreground = UInt8(code - 90 + 8)
            case 100...107: style.background = UInt8(code - 100 + 8)
            case 38, 48:
                let colour: UInt8??
                if group.count > 1 {
                    // Colon form: everything is in this group.
                    colour = extendedColour(Array(group.dropFirst()))
                } else {
                    // Semicolon form: the colour's numbers are the following groups.
                    let rest = groups[index...].map { $0.first ?? 0 }
                    let taken = rest.first == 5 ? 2 : rest.first == 2 ? 4 : rest.count
                    colour = extendedColour(Array(rest.prefix(taken)))
                    index += min(taken, rest.count)
                }
                // A truecolor that cannot be read leaves the colour as it was.
                guard let colour else { continue }
                if code == 38 { style.foreground = colour } else { style.background = colour }
            default:
                continue
            }
        }
    }

    /// `5;N` → N; `2;R;G;B` (or `2;CS;R;G;B` in the colon form) → the nearest of the 16 basic
    /// colours; anything else → nil (leave the colour alone).
    private static func extendedColour(_ numbers: [Int]) -> UInt8?? {
        switch numbers.first {
        case 5?:
            guard numbers.count >= 2, (0...255).contains(numbers[1]) else { return nil }
            return .some(UInt8(numbers[1]))
        case 2?:
            let rgb = numbers.count >= 5 ? Array(numbers[2...4]) : Array(numbers.dropFirst())
            guard rgb.count == 3, rgb.allSatisfy({ (0...255).contains($0) }) else { return nil }
            return .some(nearestBasic(red: rgb[0], green: rgb[1], blue: rgb[2]))
        default:
            return nil
        }
    }

    /// The xterm values of the 16 basic colours.
    private static let basicPalette: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func nearestBasic(red: Int, green: Int, blue: Int) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (index, (r, g, b)) in basicPalette.enumerated() {
            let distance = (r - red) * (r - red) + (g - green) * (g - green) + (b - blue) * (b - blue)
            if distance < bestDistance {
                best = index
                bestDistance = distance
            }
        }
        return UInt8(best)
    }

    /// A parameter as a bounded number: at most five digits are read (terminals clamp too), so
    /// `99999999999999999999` never traps.
    private static func number(_ text: Substring) -> Int {
        var value = 0
        for character in text.utf8.prefix(5) {
            guard (0x30...0x39).contains(character) else { return 0 }
            value = value * 10 + Int(character - 0x30)
        }
        return value
    }
}
