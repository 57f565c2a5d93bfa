//! Inline SVG charts for the HTML report, written here (a few dozen lines beat a plotting
//! crate for bars): no script, no external font or stylesheet, every label escaped. Each
//! chart has a `<title>` per bar with its exact numbers, and the same numbers are in a table
//! beside it, so the chart is never the only place a figure is.

use std::fmt::Write;

use crate::html;

/// One group of bars: a label and one value per series.
pub struct Group {
    pub label: String,
    pub values: Vec<u64>,
}

/// A series: its name and CSS class (colour, set by the report's stylesheet).
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
}

/// Grouped vertical bars, one group per label (months), scaled to the largest value.
pub fn bars(title: &str, series: &[Series], groups: &[Group]) -> String {
    const HEIGHT: f64 = 160.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 36.0;
    const LEFT: f64 = 44.0;
    let bar = 12.0;
    let gap = 10.0;
    let group_width = bar * series.len() as f64 + gap;
    let width = (LEFT + group_width * groups.len().max(1) as f64 + 10.0)
        .max(LEFT + 110.0 * series.len() as f64);
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" role="img" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}"><title>{t}</title>"#,
        w = width.max(LEFT + 110.0 * series.len() as f64),
        h = TOP + HEIGHT + BOTTOM,
        t = html::text(title),
    );
    // The axis: zero and the maximum.
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" y1="{y0}" x2="{x2:.0}" y2="{y0}"/><text class="tick" x="{tx}" y="{y0}">0</text><text class="tick" x="{tx}" y="{ym}">{max}</text>"#,
        y0 = TOP + HEIGHT,
        x2 = width,
        tx = LEFT - 4.0,
        ym = TOP + 4.0,
    );
    for (i, g) in groups.iter().enumerate() {
        let x0 = LEFT + gap / 2.0 + group_width * i as f64;
        for (j, (value, s)) in g.values.iter().zip(series).enumerate() {
            let h = HEIGHT * *value as f64 / max as f64;
            let _ = write!(
                out,
                r#"<rect class="{c}" x="{x:.1}" y="{y:.1}" width="{bar}" height="{h:.1}"><title>{label}: {v} {name}</title></rect>"#,
                c = s.class,
                x = x0 + bar * j as f64,
                y = TOP + HEIGHT - h,
                label = html::text(&g.label),
                v = value,
                name = s.name,
            );
        }
        // Every label when few, else every third.
        if groups.len() <= 12 || i % 3 == 0 {
            let _ = write!(
                out,
                r#"<text class="label" x="{x:.1}" y="{y}">{l}</text>"#,
                x = x0,
                y = TOP + HEIGHT + 14.0,
                l = html::text(&g.label),
            );
        }
    }
    // The legend.
    for (j, s) in series.iter().enumerate() {
        let x = LEFT + 110.0 * j as f64;
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{x}" y="4" width="10" height="10"/><text class="legend" x="{tx}" y="13">{n}</text>"#,
            c = s.class,
            tx = x + 14.0,
            n = s.name,
        );
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar from 0 to 100 for a score (`None`: an empty track saying n/a).
pub fn score_bar(score: Option<f64>) -> String {
    match score {
        Some(s) => {
            let class = if s >= 80.0 {
                "good"
            } else if s >= 60.0 {
                "fair"
            } else {
                "poor"
            };
            format!(
                r#"<svg class="score" viewBox="0 0 100 8" width="100" height="8"><rect class="track" width="100" height="8"/><rect class="{class}" width="{:.1}" height="8"/></svg>"#,
                s.clamp(0.0, 100.0)
            )
        }
        None => r#"<svg class="score" viewBox="0 0 100 8" width="100" height="8"><rect class="track" width="100" height="8"/></svg>"#.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scaled() {
        let svg = bars(
            "t<script>",
            &[Series {
                name: "commits",
                class: "s1",
            }],
            &[
                Group {
                    label: "<b>".into(),
                    values: vec![10],
                },
                Group {
                    label: "m".into(),
                    values: vec![5],
                },
            ],
        );
        assert!(svg.contains("t&lt;script&gt;") && !svg.contains("<b>"));
        assert!(svg.contains(r#"height="160.0"><title>&lt;b&gt;: 10 commits"#));
        assert!(svg.contains(r#"height="80.0"><title>m: 5 commits"#));
    }
}
