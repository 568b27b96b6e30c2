import Foundation

/// Charts drawn on the server as SVG, with no chart library and no request to anyone: an inline `<svg>` whose
/// colours come from classes in console.css (the CSP allows no inline style). Every text in a chart is
/// XML-escaped here, because the page inserts the drawing as markup. A chart is a picture of its data table,
/// which the page shows beneath it as the accessible equivalent; the drawing itself is one image with a name.
enum ConsoleCharts {
    /// One line of a line chart: a value per point, nil where there is none (the line breaks there).
    struct Series: Sendable, Equatable {
        var name: String
        var values: [Double?]
    }

    /// One bar: its label, its length as a share of the longest possible (0…1), and the figure written beside it.
    struct Bar: Sendable, Equatable {
        var label: String
        var value: Double
        var figure: String
    }

    static let width = 720.0

    /// Lines of shares (0…1) over `labels` (one per point, e.g. days), with a 0–100 % axis and a legend. Each
    /// series has its own dash pattern and marker shape as well as its colour, so none is told by colour alone.
    static func lines(name: String, labels: [String], series: [Series], percent: (Double) -> String) -> String {
        let left = 56.0
        let right = 16.0
        let top = 16.0
        let plotHeight = 200.0
        let legendTop = top + plotHeight + 44
        let height = legendTop + 24
        let plotWidth = width - left - right
        let count = max(labels.count, 1)
        func x(_ index: Int) -> Double {
            count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(count - 1)
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - min(max(value, 0), 1)) }
        var svg = open(name: name, height: height)
        for step in 0...4 {
            let share = Double(step) / 4
            svg +=
                "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y(share)))\" x2=\"\(f(width - right))\" "
                + "y2=\"\(f(y(share)))\"/>"
            svg +=
                "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y(share) + 4))\" text-anchor=\"end\">"
                + escape(percent(share)) + "</text>"
        }
        for index in tickIndices(count: labels.count) {
            var anchor = "middle"
            if labels.count > 1, index == 0 { anchor = "start" }
            if labels.count > 1, index == labels.count - 1 { anchor = "end" }
            let label = escape(labels[index])
            svg += "<text class=\"axis\" x=\"\(f(x(index)))\" y=\"\(f(top + plotHeight + 18))\" "
            svg += "text-anchor=\"\(anchor)\">\(label)</text>"
        }
        let showMarkers = labels.count <= 62
        for (number, line) in series.enumerated() {
            var path = ""
            var pen = false
            for (index, value) in line.values.prefix(labels.count).enumerated() {
                guard let value else {
                    pen = false
                    continue
                }
                path += (pen ? "L" : "M") + f(x(index)) + " " + f(y(value)) + " "
                pen = true
            }
            svg += "<g class=\"series series-\(number % 3)\">"
            if !path.isEmpty { svg += "<path d=\"\(path.dropLast())\"/>" }
            if showMarkers {
                for (index, value) in line.values.prefix(labels.count).enumerated() {
                    if let value { svg += marker(number, x: x(index), y: y(value)) }
                }
            }
            svg += "</g>"
        }
        var legendX = left
        for (number, line) in series.enumerated() {
            svg += "<g class=\"series series-\(number % 3)\">"
            svg += "<path d=\"M\(f(legendX)) \(f(legendTop)) L\(f(legendX + 28)) \(f(legendTop))\"/>"
            svg += marker(number, x: legendX + 14, y: legendTop)
            svg +=
                "</g><text class=\"legend\" x=\"\(f(legendX + 34))\" y=\"\(f(legendTop + 4))\">"
                + escape(line.name) + "</text>"
            legendX += 48 + Double(line.name.count) * 7.5
        }
        return svg + "</svg>"
    }

    /// Horizontal bars, one per row, each labelled and with its figure written beside it.
    static func bars(name: String, _ bars: [Bar]) -> String {
        let labelWidth = 200.0
        let figureWidth = 110.0
        let rowHeight = 30.0
        let top = 8.0
        let height = top * 2 + rowHeight * Double(max(bars.count, 1))
        let barSpace = width - labelWidth - figureWidth
        var svg = open(name: name, height: height)
        for (index, bar) in bars.enumerated() {
            let rowTop = top + rowHeight * Double(index)
            let length = barSpace * min(max(bar.value, 0), 1)
            svg +=
                "<text class=\"label\" x=\"\(f(labelWidth - 8))\" y=\"\(f(rowTop + 19))\" text-anchor=\"end\">"
                + escape(shortened(bar.label, to: 26)) + "</text>"
            svg +=
                "<rect class=\"bar\" x=\"\(f(labelWidth))\" y=\"\(f(rowTop + 5))\" width=\"\(f(length))\" "
                + "height=\"\(f(rowHeight - 10))\"/>"
            svg +=
                "<text class=\"figure\" x=\"\(f(labelWidth + length + 6))\" y=\"\(f(rowTop + 19))\">"
                + escape(bar.figure) + "</text>"
        }
        return svg + "</svg>"
    }

    /// The drawing is one image named by `name`; its texts are not read one by one (the table beneath is).
    private static func open(name: String, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "role=\"img\" aria-label=\"\(escape(name))\" focusable=\"false\">"
    }

    /// A circle, a square or a triangle: the series' shape.
    private static func marker(_ series: Int, x: Double, y: Double) -> String {
        switch series % 3 {
        case 0: "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\"/>"
        case 1: "<rect x=\"\(f(x - 3.5))\" y=\"\(f(y - 3.5))\" width=\"7\" height=\"7\"/>"
        default: "<path d=\"M\(f(x)) \(f(y - 4.5)) L\(f(x + 4.5)) \(f(y + 3.5)) L\(f(x - 4.5)) \(f(y + 3.5)) Z\"/>"
        }
    }

    /// Which points get a label on the x axis: the first, the last, and about five between.
    static func tickIndices(count: Int) -> [Int] {
        guard count > 0 else { return [] }
        guard count > 7 else { return Array(0..<count) }
        let step = Int((Double(count - 1) / 6).rounded(.up))
        var indices = Array(stride(from: 0, to: count - 1, by: step))
        if let last = indices.last, count - 1 - last < step / 2 { indices.removeLast() }
        return indices + [count - 1]
    }

    static func shortened(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// Coordinates with at most one decimal, so a drawing is small and the same on every machine.
    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Text as XML character data or an attribute value: the same escaping as the console's HTML.
    static func escape(_ text: String) -> String { htmlText(text) }
}

/// The data behind a chart: a header and rows of cells, shown as the table beneath the chart and downloaded as CSV.
struct ChartTable: Sendable, Equatable {
    var header: [String]
    var rows: [[String]]

    /// RFC 4180 CSV. A cell that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab
    /// or a carriage return) is prefixed with an apostrophe, so opening the file never runs anything.
    var csv: String {
        ([header] + rows).map { row in row.map(Self.csvCell).joined(separator: ",") }.joined(separator: "\r\n")
            + "\r\n"
    }

    static func csvCell(_ value: String) -> String {
        var cell = value
        if let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { cell = "'" + cell }
        guard cell.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
