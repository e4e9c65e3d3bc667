//! `mang anthro`: WHO z-scores for a nutrition survey CSV, with WHO anthro's column names
//! and conventions. The file is streamed (one record buffer, reused), every input column
//! is passed through, and the z-score/flag columns are appended; cells are empty where WHO
//! anthro gives no value. The rules are in `mang_domain::anthro`.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use mang_domain::anthro::{
    self, AgeDays, Input, Input2007, Measure, Measurement, Score, Sex, ValueError,
};
use mang_domain::vi;
use rand::SeedableRng;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct AnthroArgs {
    /// Survey CSV. who2006: sex, age_days, weight_kg, lenhei_cm, and optionally id, measure
    /// (l/h), oedema (y/n), headc_cm, armc_cm. who2007: sex, age_days, weight_kg, height_cm,
    /// optionally oedema. Other columns are copied unchanged.
    #[arg(long, required_unless_present = "generate")]
    input: Option<String>,
    /// Output CSV: the input columns, then zlen, flen, zwei, fwei, zwfl, fwfl, zbmi, fbmi
    /// (and zhc, fhc / zac, fac when given); who2007: zhfa, fhfa, zwfa, fwfa, zbfa, fbfa.
    #[arg(long)]
    output: String,
    /// who2006: WHO Child Growth Standards, 0–60 months; who2007: WHO reference 5–19 years
    #[arg(long, value_enum, default_value = "who2006")]
    reference: Reference,
    /// Instead: write this many synthetic survey rows (who2006 columns) to --output
    #[arg(long, conflicts_with = "input")]
    generate: Option<u64>,
    /// Seed of --generate (the same seed gives the same file)
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    Who2006,
    Who2007,
}

pub fn run(args: AnthroArgs) -> Result<()> {
    if let Some(rows) = args.generate {
        if args.reference != Reference::Who2006 {
            bail!("--generate chỉ tạo dữ liệu theo chuẩn who2006 (trẻ dưới 5 tuổi)");
        }
        return generate(rows, args.seed, &args.output);
    }
    let input = args.input.context("cần --input")?;
    convert(&input, &args.output, args.reference)
}

/// Column positions, found by name (case and surrounding spaces ignored).
struct Columns {
    sex: usize,
    age_days: usize,
    weight_kg: usize,
    lenhei_cm: usize,
    measure: Option<usize>,
    oedema: Option<usize>,
    headc_cm: Option<usize>,
    armc_cm: Option<usize>,
}

impl Columns {
    fn find(names: &[String], reference: Reference) -> Result<Columns> {
        let pos = |name: &str| names.iter().position(|n| n == name);
        let length = match reference {
            Reference::Who2006 => "lenhei_cm",
            Reference::Who2007 => "height_cm",
        };
        let required = ["sex", "age_days", "weight_kg", length];
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|n| pos(n).is_none())
            .collect();
        if !missing.is_empty() {
            bail!(
                "thiếu cột {} (cần các cột: {}; tên cột viết như WHO anthro)",
                missing.join(", "),
                required.join(", ")
            );
        }
        let optional = |name| match reference {
            Reference::Who2006 => pos(name),
            Reference::Who2007 => None,
        };
        Ok(Columns {
            sex: pos("sex").unwrap_or_default(),
            age_days: pos("age_days").unwrap_or_default(),
            weight_kg: pos("weight_kg").unwrap_or_default(),
            lenhei_cm: pos(length).unwrap_or_default(),
            measure: optional("measure"),
            oedema: pos("oedema"),
            headc_cm: optional("headc_cm"),
            armc_cm: optional("armc_cm"),
        })
    }

    fn added(&self, reference: Reference) -> Vec<&'static str> {
        match reference {
            Reference::Who2006 => {
                let mut out = vec![
                    "zlen", "flen", "zwei", "fwei", "zwfl", "fwfl", "zbmi", "fbmi",
                ];
                if self.headc_cm.is_some() {
                    out.extend(["zhc", "fhc"]);
                }
                if self.armc_cm.is_some() {
                    out.extend(["zac", "fac"]);
                }
                out
            }
            Reference::Who2007 => vec!["zhfa", "fhfa", "zwfa", "fwfa", "zbfa", "fbfa"],
        }
    }
}

/// One bad cell, named as a user finds it in a spreadsheet.
struct CellError {
    line: u64,
    column: usize,
    name: String,
    value: String,
    message: String,
}

/// A row's cell by column, parsed by the domain; errors carry the column.
struct Row<'a> {
    record: &'a csv::ByteRecord,
}

impl Row<'_> {
    fn text(&self, col: usize) -> Result<&str, (usize, ValueError)> {
        std::str::from_utf8(self.record.get(col).unwrap_or_default())
            .map_err(|_| (col, ValueError::NotANumber))
    }

    fn parse<T>(
        &self,
        col: usize,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<T, (usize, ValueError)> {
        f(self.text(col)?).map_err(|e| (col, e))
    }

    fn optional<T: Default>(
        &self,
        col: Option<usize>,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<T, (usize, ValueError)> {
        match col {
            Some(c) => self.parse(c, f),
            None => Ok(T::default()),
        }
    }

    fn input_2006(&self, c: &Columns) -> Result<Input, (usize, ValueError)> {
        Ok(Input {
            sex: self.parse(c.sex, Sex::parse)?,
            age_days: self.parse(c.age_days, AgeDays::parse)?,
            weight_kg: self.parse(c.weight_kg, Measurement::parse)?,
            lenhei_cm: self.parse(c.lenhei_cm, Measurement::parse)?,
            measure: self.optional(c.measure, Measure::parse)?,
            oedema: self.optional(c.oedema, anthro::parse_oedema)?,
            headc_cm: self.optional(c.headc_cm, Measurement::parse)?,
            armc_cm: self.optional(c.armc_cm, Measurement::parse)?,
        })
    }

    fn input_2007(&self, c: &Columns) -> Result<Input2007, (usize, ValueError)> {
        Ok(Input2007 {
            sex: self.parse(c.sex, Sex::parse)?,
            age_days: self.parse(c.age_days, AgeDays::parse)?,
            weight_kg: self.parse(c.weight_kg, Measurement::parse)?,
            height_cm: self.parse(c.lenhei_cm, Measurement::parse)?,
            oedema: self.optional(c.oedema, anthro::parse_oedema)?,
        })
    }
}

/// A z-score cell: `-1.23` (or `-1,23` in a semicolon file, as Vietnamese Excel reads it).
fn z_cell(score: Option<Score>, decimal: u8, buf: &mut [u8; 16]) -> &[u8] {
    let Some(score) = score else {
        return b"";
    };
    let h = score.z.hundredths();
    let a = h.unsigned_abs();
    let (mut int, frac) = (a / 100, a % 100);
    // Written backwards from the end of the buffer: two decimals, the separator, digits.
    let mut i = buf.len() - 3;
    buf[i..].copy_from_slice(&[decimal, b'0' + (frac / 10) as u8, b'0' + (frac % 10) as u8]);
    loop {
        i -= 1;
        buf[i] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if h < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// A flag cell as WHO anthro writes it: 1 implausible, 0 plausible, empty without a z.
fn flag_cell(score: Option<Score>) -> &'static [u8] {
    match score {
        Some(Score { flagged: true, .. }) => b"1",
        Some(_) => b"0",
        None => b"",
    }
}

/// CSV output without the per-field bookkeeping of `csv::Writer` (a fifth of the run time
/// in a profile): a field is copied as it is, or quoted when it holds the separator, a
/// quote or a line break — the rule of `csv`'s default `QuoteStyle::Necessary`.
struct CsvOut<W: Write> {
    out: W,
    buf: Vec<u8>,
    delimiter: u8,
    first: bool,
}

impl<W: Write> CsvOut<W> {
    const FLUSH_AT: usize = 1 << 18;

    fn new(out: W, delimiter: u8) -> Self {
        CsvOut {
            out,
            buf: Vec::with_capacity(Self::FLUSH_AT + 4096),
            delimiter,
            first: true,
        }
    }

    fn field(&mut self, f: &[u8]) {
        if !self.first {
            self.buf.push(self.delimiter);
        }
        self.first = false;
        let d = self.delimiter;
        if f.iter()
            .any(|&b| b == d || b == b'"' || b == b'\n' || b == b'\r')
        {
            self.buf.push(b'"');
            for &b in f {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(f);
        }
    }

    fn end(&mut self) -> std::io::Result<()> {
        self.buf.push(b'\n');
        self.first = true;
        if self.buf.len() >= Self::FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

const MAX_SHOWN_ERRORS: usize = 20;

fn convert(input: &str, output: &str, reference: Reference) -> Result<()> {
    let started = Instant::now();
    if std::path::Path::new(input) == std::path::Path::new(output) {
        bail!("--output phải khác --input ({input})");
    }
    let file = File::open(input).with_context(|| format!("không mở được tệp {input}"))?;
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 18, file);
    // A byte-order mark (Excel's "CSV UTF-8") is kept for the output, and the separator
    // is `;` when the header has more of them than commas (Excel in Vietnamese locales).
    let head = reader
        .fill_buf()
        .with_context(|| format!("không đọc được tệp {input}"))?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    if bom {
        reader.consume(3);
    }
    let head = reader.fill_buf()?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let (delimiter, decimal) = if count(b';') > count(b',') {
        (b';', b',')
    } else {
        (b',', b'.')
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let header = rdr
        .byte_headers()
        .with_context(|| format!("không đọc được dòng tiêu đề của {input}"))?
        .clone();
    if header.is_empty() || header.iter().all(|h| h.trim_ascii().is_empty()) {
        bail!("tệp {input} trống (cần một dòng tiêu đề)");
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h.trim_ascii()).to_lowercase())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if !n.is_empty() && names[..i].contains(n) {
            bail!("tệp {input}: cột «{n}» xuất hiện hai lần trong dòng tiêu đề");
        }
    }
    let cols = Columns::find(&names, reference).with_context(|| format!("tệp {input}"))?;
    let added = cols.added(reference);
    if let Some(n) = added.iter().find(|a| names.iter().any(|n| n == *a)) {
        bail!(
            "tệp {input} đã có cột «{n}» (kết quả của lần tính trước?); hãy bỏ các cột kết quả rồi tính lại"
        );
    }

    let partial = format!("{output}.part");
    let mut out_file =
        File::create(&partial).with_context(|| format!("không tạo được tệp {partial}"))?;
    if bom {
        out_file.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut wtr = CsvOut::new(out_file, delimiter);
    for field in header.iter().chain(added.iter().map(|a| a.as_bytes())) {
        wtr.field(field);
    }
    wtr.end()?;

    let bar = ProgressBar::new(total_bytes.max(1));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, còn {eta})",
        )
        .expect("valid template"),
    );
    let mut record = csv::ByteRecord::new();
    let mut rows: u64 = 0;
    let mut errors: Vec<CellError> = Vec::new();
    let mut error_count: u64 = 0;
    let mut buf = [[0u8; 16]; 6];
    loop {
        let more = rdr
            .read_byte_record(&mut record)
            .with_context(|| format!("tệp {input}: không đọc được sau dòng {}", rows + 1))?;
        if !more {
            break;
        }
        rows += 1;
        if rows.is_multiple_of(16_384) {
            bar.set_position(rdr.position().byte());
        }
        let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
        if record.len() != header.len() {
            // A blank line at the end is common; anything else is a broken row.
            if record.len() == 1 && record[0].is_empty() {
                continue;
            }
            error_count += 1;
            if errors.len() < MAX_SHOWN_ERRORS {
                errors.push(CellError {
                    line,
                    column: 0,
                    name: String::new(),
                    value: String::new(),
                    message: format!(
                        "dòng có {} cột, dòng tiêu đề có {} cột",
                        record.len(),
                        header.len()
                    ),
                });
            }
            continue;
        }
        let row = Row { record: &record };
        let cells: Result<[Option<Score>; 6], (usize, ValueError)> = match reference {
            Reference::Who2006 => row.input_2006(&cols).map(|i| {
                let o = anthro::zscores(&i);
                [o.len, o.wei, o.wfl, o.bmi, o.hc, o.ac]
            }),
            Reference::Who2007 => row.input_2007(&cols).map(|i| {
                let o = anthro::zscores_2007(&i);
                [o.hfa, o.wfa, o.bfa, None, None, None]
            }),
        };
        let scores = match cells {
            Ok(s) => s,
            Err((col, e)) => {
                error_count += 1;
                if errors.len() < MAX_SHOWN_ERRORS {
                    let value = String::from_utf8_lossy(&record[col]);
                    errors.push(CellError {
                        line,
                        column: col + 1,
                        name: names[col].clone(),
                        value: value.chars().take(40).collect(),
                        message: e.to_string(),
                    });
                }
                continue;
            }
        };
        if error_count > 0 {
            // The output will not be kept: only look for further errors.
            continue;
        }
        for field in record.iter() {
            wtr.field(field);
        }
        let n = added.len() / 2;
        for (score, b) in scores.iter().zip(buf.iter_mut()).take(n) {
            wtr.field(z_cell(*score, decimal, b));
            wtr.field(flag_cell(*score));
        }
        wtr.end()
            .with_context(|| format!("không ghi được {partial}"))?;
    }
    bar.finish_and_clear();
    if error_count > 0 {
        drop(wtr);
        let _ = std::fs::remove_file(&partial);
        let mut msg = format!(
            "tệp {input} có {} dòng lỗi; chưa ghi {output}. Sửa các ô sau rồi chạy lại:",
            vi::number(error_count as i64)
        );
        for e in &errors {
            if e.column == 0 {
                msg.push_str(&format!("\n  dòng {}: {}", e.line, e.message));
            } else {
                msg.push_str(&format!(
                    "\n  dòng {}, cột {} ({}): «{}» — {}",
                    e.line, e.column, e.name, e.value, e.message
                ));
            }
        }
        if error_count > errors.len() as u64 {
            msg.push_str(&format!(
                "\n  … và {} dòng lỗi khác",
                vi::number((error_count - errors.len() as u64) as i64)
            ));
        }
        bail!(msg);
    }
    wtr.finish()
        .with_context(|| format!("không ghi được {partial}"))?;
    std::fs::rename(&partial, output)
        .with_context(|| format!("không đổi tên {partial} thành {output}"))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Đã tính chỉ số Z ({}) cho {} dòng của {input} trong {} giây ({} dòng/giây) → {output}",
        match reference {
            Reference::Who2006 => "chuẩn WHO 2006, 0–5 tuổi",
            Reference::Who2007 => "tham chiếu WHO 2007, 5–19 tuổi",
        },
        vi::number(rows as i64),
        format!("{secs:.2}").replace('.', ","),
        vi::number((rows as f64 / secs.max(1e-9)) as i64)
    );
    Ok(())
}

/// The benchmark input: `rows` synthetic survey rows (`anthro::synthetic_input`) with an
/// extra `cluster` column to pass through. Deterministic for a seed.
fn generate(rows: u64, seed: u64, output: &str) -> Result<()> {
    let file = File::create(output).with_context(|| format!("không tạo được tệp {output}"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 18, file);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    writeln!(
        w,
        "id,cluster,sex,age_days,weight_kg,lenhei_cm,measure,oedema,headc_cm,armc_cm"
    )?;
    let num = |m: Option<Measurement>| m.map(|m| format!("{:.1}", m.get())).unwrap_or_default();
    for id in 1..=rows {
        let i = anthro::synthetic_input(&mut rng);
        writeln!(
            w,
            "{id},{},{},{},{},{},{},{},{},{}",
            1 + (id * 7919) % 300,
            i.sex.map(|s| s.code().to_string()).unwrap_or_default(),
            i.age_days
                .map(|a| format!("{}", a.get()))
                .unwrap_or_default(),
            num(i.weight_kg),
            num(i.lenhei_cm),
            match i.measure {
                Measure::Lying => "l",
                Measure::Standing => "h",
                Measure::Unknown => "",
            },
            if i.oedema { "y" } else { "n" },
            num(i.headc_cm),
            num(i.armc_cm),
        )?;
    }
    w.flush()
        .with_context(|| format!("không ghi được {output}"))?;
    println!(
        "Đã ghi {} dòng khảo sát giả lập (hạt giống {seed}) vào {output}",
        vi::number(rows as i64)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mang_domain::anthro::ZScore;

    #[test]
    fn z_cells_match_the_domain_display() {
        let mut buf = [0u8; 16];
        for h in [0, 5, -5, 99, -100, 123, -1234, 50_000, -792, 300] {
            let score = Some(Score {
                z: ZScore::from_hundredths(h),
                flagged: false,
            });
            let text = String::from_utf8(z_cell(score, b'.', &mut buf).to_vec()).unwrap();
            assert_eq!(text, ZScore::from_hundredths(h).to_string());
        }
        assert_eq!(z_cell(None, b'.', &mut buf), b"");
        let comma = Some(Score {
            z: ZScore::from_hundredths(-5),
            flagged: true,
        });
        assert_eq!(z_cell(comma, b',', &mut buf), b"-0,05");
        assert_eq!(flag_cell(comma), b"1");
    }

    #[test]
    fn output_fields_are_quoted_as_csv_does() {
        let rows: [&[&[u8]]; 3] = [
            &[b"plain", b"", b"a,b", b"say \"hi\""],
            &[b"two\nlines", b"cr\r", b"semi;colon"],
            &["Nguyễn Thị Ánh".as_bytes(), b"1"],
        ];
        for delimiter in [b',', b';'] {
            let mut ours = CsvOut::new(Vec::new(), delimiter);
            let mut theirs = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .from_writer(Vec::new());
            for row in rows {
                for f in row {
                    ours.field(f);
                }
                ours.end().unwrap();
                theirs.write_record(row).unwrap();
            }
            let mut got = ours.out.clone();
            got.extend_from_slice(&ours.buf);
            assert_eq!(got, theirs.into_inner().unwrap());
        }
    }
}
