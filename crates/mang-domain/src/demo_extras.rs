//! What the demo province needs beyond names and households so that every page has
//! something to show (Child registry issue, item 8): disabilities, special circumstances
//! and risk factors (not "poor household": that follows from the household's poverty
//! status), and a few data-entry defects for the data-quality page to find —
//! personal IDs that contradict sex or birth year, and duplicated children. Synthetic;
//! rates are plausible orders of magnitude, not statistics. Deterministic per chunk.

use crate::demo::DemoChunk;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Extras of one child (by index in the chunk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildExtras {
    pub disability: Option<(&'static str, &'static str)>,
    /// `(code, start offset in days after birth)`.
    pub circumstances: Vec<(&'static str, u32)>,
    /// Replace the personal ID with one whose sex digit is wrong.
    pub wrong_id_sex: bool,
}

/// Extras of a chunk: per child, plus pairs `(original, copy)` of siblings where the
/// copy's record repeats the original's name and birth date without an ID — a child
/// entered twice by two collectors (the counts of children and households stay exact).
#[derive(Debug, Clone, Default)]
pub struct ChunkExtras {
    pub children: Vec<ChildExtras>,
    pub duplicates: Vec<(usize, usize)>,
}

const DISABILITIES: [(&str, &str); 6] = [
    ("mobility", "mild"),
    ("hearing_speech", "severe"),
    ("vision", "mild"),
    ("intellectual", "severe"),
    ("mental", "especially_severe"),
    ("other", "mild"),
];

pub fn extras(chunk: &DemoChunk, seed: u64) -> ChunkExtras {
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed ^ 0x6d61_6e67_6578_7472 ^ (chunk.index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
    );
    let mut out = ChunkExtras::default();
    for c in &chunk.children {
        let mut e = ChildExtras::default();
        let start = |rng: &mut ChaCha8Rng| rng.random_range(0..900);
        if rng.random_range(0..1000) < 14 {
            e.disability = Some(DISABILITIES[rng.random_range(0..DISABILITIES.len())]);
            e.circumstances.push(("disabled", 0));
        }
        let roll = rng.random_range(0..10_000);
        match roll {
            0..=9 => e.circumstances.push(("orphan_both", start(&mut rng))),
            10..=14 => e.circumstances.push(("no_one_to_rely_on", start(&mut rng))),
            15..=16 => e.circumstances.push(("abandoned", 0)),
            17..=19 => e
                .circumstances
                .push(("seriously_harmed_by_violence", start(&mut rng))),
            20..=21 => e.circumstances.push(("sexually_abused", start(&mut rng))),
            22..=24 => e
                .circumstances
                .push(("dropout_to_earn_living", start(&mut rng))),
            25..=224 => e.circumstances.push(("orphan_one_parent", start(&mut rng))),
            225..=524 => e.circumstances.push(("parents_migrated", start(&mut rng))),
            525..=624 => e.circumstances.push(("parents_separated", start(&mut rng))),
            625..=674 => e.circumstances.push(("drowning_hazard", 0)),
            _ => {}
        }
        if c.personal_id.is_some() && rng.random_range(0..1000) < 3 {
            e.wrong_id_sex = true;
        }
        out.children.push(e);
    }
    // Siblings: consecutive children of the same household.
    let mut i = 0;
    while i + 1 < chunk.children.len() {
        let (a, b) = (&chunk.children[i], &chunk.children[i + 1]);
        if a.household_code == b.household_code
            && out.children[i].circumstances.is_empty()
            && out.children[i + 1].circumstances.is_empty()
            && rng.random_range(0..800) == 0
        {
            out.children[i + 1].wrong_id_sex = false;
            out.duplicates.push((i, i + 1));
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

/// A personal ID with the sex digit flipped (2 ↔ 3): a typical data-entry defect.
pub fn flip_sex_digit(id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    if b.len() == 12 && b[3].is_ascii_digit() {
        let d = b[3] - b'0';
        b[3] = b'0' + if d.is_multiple_of(2) { d + 1 } else { d - 1 };
    }
    String::from_utf8(b).unwrap_or_else(|_| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoCommune, plan};

    #[test]
    fn extras_are_deterministic_and_plausible() {
        let communes: Vec<DemoCommune> = (0..5)
            .map(|i| DemoCommune::new(format!("1050{i}"), format!("Xã {i}")))
            .collect();
        let p = plan(&communes, 40_000, 9);
        let as_of = time::Date::from_calendar_date(2026, time::Month::June, 30).unwrap();
        let (mut n, mut special, mut disabled, mut wrong, mut dups) = (0, 0, 0, 0, 0);
        for i in 0..p.chunk_count() {
            let chunk = p.chunk(i, as_of);
            let a = extras(&chunk, 9);
            assert_eq!(a.children, extras(&chunk, 9).children, "deterministic");
            n += chunk.children.len();
            for e in &a.children {
                special += e
                    .circumstances
                    .iter()
                    .filter(|(c, _)| {
                        crate::circumstances::find(c).unwrap().kind
                            == crate::circumstances::Kind::Special
                    })
                    .count();
                disabled += usize::from(e.disability.is_some());
                wrong += usize::from(e.wrong_id_sex);
                for (c, _) in &e.circumstances {
                    assert!(
                        crate::circumstances::find(c).is_some(),
                        "{c} is in the list"
                    );
                }
            }
            dups += a.duplicates.len();
        }
        assert_eq!(n, 40_000);
        assert!(
            (400..900).contains(&special),
            "special circumstances ~1.5–2 %: {special}"
        );
        assert!((350..800).contains(&disabled), "{disabled}");
        assert!((50..250).contains(&wrong), "{wrong}");
        assert!((5..60).contains(&dups), "{dups}");
        assert_eq!(flip_sex_digit("031214000042"), "031314000042");
        assert_eq!(flip_sex_digit("031314000042"), "031214000042");
    }
}
