//! `mang anthro` end to end on small files. Expected z-scores are the hand-derived cases of
//! docs/anthro-validation.md (letters in the `id` column).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mang"))
        .args(args)
        .output()
        .expect("run mang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh directory per test (no tempfile dependency in this crate).
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mang-anthro-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(d: &Path, input: &str, extra: &[&str]) -> (Output, Option<String>) {
    let (i, o) = (d.join("in.csv"), d.join("out.csv"));
    std::fs::write(&i, input).unwrap();
    let mut args = vec![
        "anthro",
        "--input",
        i.to_str().unwrap(),
        "--output",
        o.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = mang(&args);
    (out, std::fs::read_to_string(&o).ok())
}

#[test]
fn who2006_survey_with_pass_through_and_empty_cells() {
    let d = dir("2006");
    let (out, written) = run(
        &d,
        "id,name,sex,age_days,weight_kg,lenhei_cm,measure,oedema,headc_cm,armc_cm\n\
         A,\"Nguyễn Văn A, con\",1,365,9.5,,,n,,\n\
         G,Bé G,2,400,9.1,75.37,l,n,,\n\
         H,,1,,14.0,95.0,,,,\n\
         M,,1,200,8.0,68.0,h,n,,\n\
         K,,2,0,,,,,34.0,\n\
         L,,1,91,,,,,,13.0\n\
         T1,,1,,21.1158,95.0,h,,,\n\
         T2,,1,,21.1204,95.0,H,,,\n\
         U,,1,500,,60.0,l,,,\n\
         V oedema,,2,365,7.0,72.0,l,y,44.0,12.0\n\
         60 months,,2,1826.25,18,110,h,n,50,16\n\
         no sex,,,300,8,70,l,n,,\n",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("12 dòng"), "{}", text(&out));
    let expected = "\
id,name,sex,age_days,weight_kg,lenhei_cm,measure,oedema,headc_cm,armc_cm,zlen,flen,zwei,fwei,zwfl,fwfl,zbmi,fbmi,zhc,fhc,zac,fac
A,\"Nguyễn Văn A, con\",1,365,9.5,,,n,,,,,-0.14,0,,,,,,,,
G,Bé G,2,400,9.1,75.37,l,n,,,-0.01,0,-0.09,0,-0.14,0,-0.14,0,,,,
H,,1,,14.0,95.0,,,,,,,,,-0.05,0,,,,,,
M,,1,200,8.0,68.0,h,n,,,-0.24,0,-0.17,0,0.05,0,-0.03,0,,,,
K,,2,0,,,,,34.0,,,,,,,,,,0.10,0,,
L,,1,91,,,,,,13.0,,,,,,,,,,,-0.48,0
T1,,1,,21.1158,95.0,h,,,,,,,,5.00,0,,,,,,
T2,,1,,21.1204,95.0,H,,,,,,,,5.01,1,,,,,,
U,,1,500,,60.0,l,,,,-7.92,1,,,,,,,,,,
V oedema,,2,365,7.0,72.0,l,y,44.0,12.0,-0.78,0,,,,,,,-0.66,0,-2.07,0
60 months,,2,1826.25,18,110,h,n,50,16,,,,,,,,,,,,
no sex,,,300,8,70,l,n,,,,,,,,,,,,,,
";
    assert_eq!(written.as_deref(), Some(expected));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn who2007_reference_and_a_semicolon_file_with_decimal_commas() {
    let d = dir("2007");
    let (out, written) = run(
        &d,
        "id,sex,age_days,weight_kg,height_cm\n\
         N,2,1871.90625,,112.0\n\
         O,1,3652.5,35,140\n\
         P,2,2747.09375,45.0,\n\
         too young,1,1826,20,110\n",
        &["--reference", "who2007"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written.as_deref(),
        Some(
            "id,sex,age_days,weight_kg,height_cm,zhfa,fhfa,zwfa,fwfa,zbfa,fbfa\n\
             N,2,1871.90625,,112.0,0.45,0,,,,\n\
             O,1,3652.5,35,140,0.35,0,0.69,0,0.73,0\n\
             P,2,2747.09375,45.0,,,,3.50,0,,\n\
             too young,1,1826,20,110,,,,,,\n"
        )
    );
    // Excel in a Vietnamese locale: `;` between cells, decimal commas, a byte-order mark.
    let (out, written) = run(
        &d,
        "\u{feff}ID;Sex;Age_days;Weight_kg;Lenhei_cm\nA;1;365;9,5;\n",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        written.as_deref(),
        Some(
            "\u{feff}ID;Sex;Age_days;Weight_kg;Lenhei_cm;zlen;flen;zwei;fwei;zwfl;fwfl;zbmi;fbmi\n\
             A;1;365;9,5;;;;-0,14;0;;;;\n"
        )
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_cells_are_named_by_row_and_column_and_nothing_is_written() {
    let d = dir("bad");
    let (out, written) = run(
        &d,
        "id,sex,age_days,weight_kg,lenhei_cm,measure\n\
         1,1,365,9.5,,\n\
         2,3,365,9.5,,\n\
         3,1,abc,9,,\n\
         4,1,-2,9,,\n\
         5,1,10,0,,\n\
         6,1,10,3,50,s\n\
         7,1,2\n",
        &[],
    );
    assert!(!out.status.success());
    assert_eq!(written, None);
    assert!(!d.join("out.csv.part").exists());
    let t = text(&out);
    for needle in [
        "in.csv có 6 dòng lỗi",
        "dòng 3, cột 2 (sex): «3» — giới tính phải là 1 (nam) hoặc 2 (nữ)",
        "dòng 4, cột 3 (age_days): «abc» — không phải là số",
        "dòng 5, cột 3 (age_days): «-2» — không được âm",
        "dòng 6, cột 4 (weight_kg): «0» — phải lớn hơn 0",
        "dòng 7, cột 6 (measure): «s» — tư thế đo phải là l (nằm) hoặc h (đứng)",
        "dòng 8: dòng có 3 cột, dòng tiêu đề có 6 cột",
    ] {
        assert!(t.contains(needle), "{needle}\n{t}");
    }
    // A missing required column is named.
    let (out, _) = run(&d, "id,sex,age,weight_kg,lenhei_cm\n1,1,3,4,50\n", &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("thiếu cột age_days"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn generated_benchmark_input_is_deterministic_and_computes() {
    let d = dir("gen");
    let (a, b) = (d.join("a.csv"), d.join("b.csv"));
    for p in [&a, &b] {
        let out = mang(&[
            "anthro",
            "--generate",
            "300",
            "--seed",
            "3",
            "--output",
            p.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let a_text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(a_text, std::fs::read_to_string(&b).unwrap());
    assert_eq!(a_text.lines().count(), 301);
    let o = d.join("o.csv");
    let out = mang(&[
        "anthro",
        "--input",
        a.to_str().unwrap(),
        "--output",
        o.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let result = std::fs::read_to_string(&o).unwrap();
    assert_eq!(result.lines().count(), 301);
    assert!(result.starts_with(
        "id,cluster,sex,age_days,weight_kg,lenhei_cm,measure,oedema,headc_cm,armc_cm,zlen,flen,"
    ));
    let _ = std::fs::remove_dir_all(&d);
}
