//! Deterministic synthetic population for the demo province (dữ liệu mô phỏng).
//!
//! Everything produced here is **synthetic**: names are drawn from frequency
//! tables, dates, phone numbers and identifiers are random. No record
//! describes a real person; any resemblance is coincidence.
//!
//! Usage: build a [`DemoPlan`] once with [`plan`] (or [`plan_with`] for custom
//! weight tables), then generate chunks with [`DemoPlan::chunk`]. A chunk is a
//! pure function of `(seed, index, as_of)` and of the plan's inputs, so chunks
//! can be produced in any order or in parallel and always come out the same.
//!
//! The plan allocates children to communes, fixes the number of households of
//! every chunk and hence the household serial range of every chunk; household
//! codes are therefore unique across the whole plan without any shared state.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

/// Maximum number of children in one chunk.
pub const CHUNK_CHILDREN: usize = 2_000;

/// Default ethnicity distribution (dân tộc) for Hải Phòng: almost all Kinh.
/// Weights are relative.
pub const DEFAULT_ETHNICITIES: &[(&str, u32)] = &[
    ("Kinh", 9_900),
    ("Hoa", 30),
    ("Tày", 25),
    ("Sán Dìu", 25),
    ("Mường", 20),
];

/// Default distribution of the 3-digit province prefix of the personal ID
/// (mã tỉnh nơi đăng ký khai sinh) for children living in Hải Phòng:
/// "031" Hải Phòng, "030" former Hải Dương, and a few other provinces.
pub const DEFAULT_ID_PREFIXES: &[(&str, u32)] = &[
    ("031", 650),
    ("030", 300),
    ("001", 15), // Hà Nội
    ("034", 10), // Thái Bình
    ("026", 5),  // Vĩnh Phúc
    ("022", 5),  // Quảng Ninh
    ("033", 5),  // Hưng Yên
    ("036", 5),  // Nam Định
    ("079", 5),  // Hồ Chí Minh
];

/// Sex (giới tính).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(&self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// Inverse of [`Sex::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Household poverty status for a year (hộ nghèo / hộ cận nghèo / thoát nghèo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PovertyStatus {
    Poor,
    NearPoor,
    Escaped,
}

impl PovertyStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PovertyStatus::Poor => "poor",
            PovertyStatus::NearPoor => "near_poor",
            PovertyStatus::Escaped => "escaped",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            PovertyStatus::Poor => "Hộ nghèo",
            PovertyStatus::NearPoor => "Hộ cận nghèo",
            PovertyStatus::Escaped => "Thoát nghèo",
        }
    }

    /// Inverse of [`PovertyStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "poor" => Some(PovertyStatus::Poor),
            "near_poor" => Some(PovertyStatus::NearPoor),
            "escaped" => Some(PovertyStatus::Escaped),
            _ => None,
        }
    }
}

/// A commune-level unit (xã / phường / đặc khu) the population is spread over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCommune {
    pub code: String,
    pub name: String,
    /// `true` for "Phường", `false` for "Xã" and "Đặc khu".
    pub is_ward: bool,
}

impl DemoCommune {
    /// Builds a commune, deriving `is_ward` from the name prefix "Phường".
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        let is_ward = name.starts_with("Phường");
        DemoCommune {
            code: code.into(),
            name,
            is_ward,
        }
    }
}

/// A village (thôn) or residential group (tổ dân phố) of a commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoVillage {
    /// "<commune_code>-001", "-002", ...
    pub code: String,
    pub commune_code: String,
    /// "Thôn 3" or "Tổ dân phố 3".
    pub name: String,
}

/// A synthetic household (hộ gia đình).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoHousehold {
    /// "<commune_code>-H000123", unique across the plan.
    pub code: String,
    pub commune_code: String,
    pub village_code: String,
    /// Full name of the household head (chủ hộ), an adult.
    pub head_name: String,
    pub address: String,
    /// "09x xxx xxxx"-style mobile number, for about 80 % of households.
    pub phone: Option<String>,
    /// Poverty status for the `as_of` year, if any.
    pub poverty: Option<(i32, PovertyStatus)>,
}

/// A synthetic child (trẻ em, 0–15 years at `as_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChild {
    pub household_code: String,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub ethnicity: String,
    /// 12-digit personal ID (số định danh cá nhân), for about 92 % of children.
    pub personal_id: Option<String>,
}

/// One generated chunk: households of one commune and their children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChunk {
    pub index: usize,
    pub commune_code: String,
    pub households: Vec<DemoHousehold>,
    pub children: Vec<DemoChild>,
}

/// Weight tables for [`plan_with`]. Weights are relative (`u32`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoParams {
    /// Ethnicity name and weight; one ethnicity per household.
    pub ethnicities: Vec<(String, u32)>,
    /// 3-digit personal-ID province prefix and weight.
    pub id_prefixes: Vec<(String, u32)>,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            ethnicities: to_owned_table(DEFAULT_ETHNICITIES),
            id_prefixes: to_owned_table(DEFAULT_ID_PREFIXES),
        }
    }
}

fn to_owned_table(t: &[(&str, u32)]) -> Vec<(String, u32)> {
    t.iter().map(|&(s, w)| (s.to_owned(), w)).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ChunkSpec {
    commune: usize,
    children: u32,
    households: u32,
    /// Number of households of the same commune in earlier chunks.
    household_offset: u64,
}

/// Allocation of the requested number of children over communes and chunks,
/// plus precomputed sampling tables.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    seed: u64,
    communes: Vec<DemoCommune>,
    village_counts: Vec<u32>,
    chunks: Vec<ChunkSpec>,
    tables: Tables,
}

/// Plans `total_children` children over `communes` with the default weight
/// tables. See [`plan_with`].
pub fn plan(communes: &[DemoCommune], total_children: u64, seed: u64) -> DemoPlan {
    plan_with(communes, total_children, seed, &DemoParams::default())
}

/// Plans `total_children` children over `communes`.
///
/// Communes get a share proportional to a deterministic pseudo-random size
/// (wards larger, "Đặc khu" island districts smaller); the shares sum exactly
/// to `total_children`. Each commune's children are split into
/// `ceil(n / CHUNK_CHILDREN)` chunks of nearly equal size. Per-commune values
/// (size, village count) depend only on `seed` and the commune code.
///
/// If `communes` is empty the plan has no chunks. Commune codes must be unique.
///
/// # Panics
/// If a weight table in `params` is empty or sums to zero (or overflows
/// `u32`), or an ID prefix is not three ASCII digits.
pub fn plan_with(
    communes: &[DemoCommune],
    total_children: u64,
    seed: u64,
    params: &DemoParams,
) -> DemoPlan {
    for (p, _) in &params.id_prefixes {
        assert!(
            p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()),
            "ID prefix must be three digits: {p:?}"
        );
    }
    let tables = Tables::new(params);

    let weights: Vec<u64> = communes
        .iter()
        .map(|c| {
            let mut g = Gen::new(commune_seed(seed, &c.code, SALT_SIZE));
            let base: u64 = if c.is_ward {
                1_400
            } else if c.name.starts_with("Đặc khu") {
                300
            } else {
                1_000
            };
            base * u64::from(500 + g.below(1_001))
        })
        .collect();
    let village_counts: Vec<u32> = communes
        .iter()
        .map(|c| 6 + Gen::new(commune_seed(seed, &c.code, SALT_VILLAGES)).below(13))
        .collect();

    let alloc = apportion(total_children, &weights);
    let mut chunks = Vec::new();
    for (ci, &n) in alloc.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let k = n.div_ceil(CHUNK_CHILDREN as u64);
        let base = n / k;
        let extra = n % k;
        let mut offset = 0u64;
        for j in 0..k {
            let children = (base + u64::from(j < extra)) as u32;
            let households = households_for(children);
            chunks.push(ChunkSpec {
                commune: ci,
                children,
                households,
                household_offset: offset,
            });
            offset += u64::from(households);
        }
    }

    DemoPlan {
        seed,
        communes: communes.to_vec(),
        village_counts,
        chunks,
        tables,
    }
}

/// Households for a chunk of `c` children: mean ≈ 1.72 children per
/// household, kept within the feasible range of 1–4 children each.
fn households_for(c: u32) -> u32 {
    if c == 0 {
        return 0;
    }
    let h = (u64::from(c) * 100 + 86) / 172;
    (h as u32).clamp(c.div_ceil(4), c)
}

/// Largest-remainder apportionment of `total` over `weights` (exact sum).
fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        let p = u128::from(total) * u128::from(w);
        let q = (p / sum) as u64;
        out.push(q);
        given += q;
        rems.push((p % sum, i));
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = (total - given) as usize;
    for &(_, i) in rems.iter().take(left) {
        out[i] += 1;
    }
    out
}

impl DemoPlan {
    /// Number of chunks. Each chunk belongs to one commune and holds at most
    /// [`CHUNK_CHILDREN`] children.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn communes(&self) -> &[DemoCommune] {
        &self.communes
    }

    /// Total children over all chunks (equals the requested number unless
    /// the commune list was empty).
    pub fn total_children(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.children)).sum()
    }

    /// Total households over all chunks.
    pub fn total_households(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.households)).sum()
    }

    /// Number of children chunk `index` will contain. Panics if out of range.
    pub fn chunk_children(&self, index: usize) -> usize {
        self.chunks[index].children as usize
    }

    /// Number of households chunk `index` will contain. Panics if out of range.
    pub fn chunk_households(&self, index: usize) -> usize {
        self.chunks[index].households as usize
    }

    /// Commune code of chunk `index`. Panics if out of range.
    pub fn chunk_commune_code(&self, index: usize) -> &str {
        &self.communes[self.chunks[index].commune].code
    }

    /// All villages of all communes: 6..=18 per commune, "Thôn n" for xã and
    /// đặc khu, "Tổ dân phố n" for phường; codes "<commune_code>-001", ...
    pub fn villages(&self) -> Vec<DemoVillage> {
        let n: u32 = self.village_counts.iter().sum();
        let mut out = Vec::with_capacity(n as usize);
        for (c, &count) in self.communes.iter().zip(&self.village_counts) {
            for v in 1..=count {
                let mut name = String::new();
                push_village_name(&mut name, c.is_ward, v);
                out.push(DemoVillage {
                    code: village_code(&c.code, v),
                    commune_code: c.code.clone(),
                    name,
                });
            }
        }
        out
    }

    /// Generates chunk `index` for reference date `as_of`.
    ///
    /// Deterministic given the plan inputs, `index` and `as_of`, and
    /// independent of any other chunk. Children are aged 0–15 at `as_of`
    /// (born after `as_of` minus 16 years, not after `as_of`).
    ///
    /// # Panics
    /// If `index >= self.chunk_count()`.
    pub fn chunk(&self, index: usize, as_of: Date) -> DemoChunk {
        let spec = &self.chunks[index];
        let commune = &self.communes[spec.commune];
        let villages = self.village_counts[spec.commune];
        let t = &self.tables;
        let mut g = Gen::new(chunk_seed(self.seed, index));
        let window = BirthWindow::new(as_of);
        let year = as_of.year();

        let h = spec.households as usize;
        let c = spec.children as usize;

        // Household sizes (1–4 children), adjusted to sum exactly to `c`.
        let mut sizes: Vec<u8> = (0..h)
            .map(|_| t.household_size.sample(&mut g) as u8 + 1)
            .collect();
        let mut sum: usize = sizes.iter().map(|&s| usize::from(s)).sum();
        while sum > c {
            let i = g.below(h as u32) as usize;
            if sizes[i] > 1 {
                sizes[i] -= 1;
                sum -= 1;
            }
        }
        while sum < c {
            let i = g.below(h as u32) as usize;
            if sizes[i] < 4 {
                sizes[i] += 1;
                sum += 1;
            }
        }

        let mut households = Vec::with_capacity(h);
        let mut children = Vec::with_capacity(c);

        for (hi, &size) in sizes.iter().enumerate() {
            let serial = spec.household_offset + hi as u64 + 1;
            let mut code = String::with_capacity(commune.code.len() + 8);
            code.push_str(&commune.code);
            code.push_str("-H");
            push_num(&mut code, serial, 6);

            let village_no = g.below(villages) + 1;

            // Head of household: usually the father; children carry the
            // father's family name either way.
            let father_family = FAMILY_NAMES[t.family.sample(&mut g)].0;
            let head_name = if g.chance(P_HEAD_MALE) {
                t.adult_name(&mut g, Sex::Male, father_family)
            } else {
                let fam = FAMILY_NAMES[t.family.sample(&mut g)].0;
                t.adult_name(&mut g, Sex::Female, fam)
            };

            let mut address = String::with_capacity(40);
            if commune.is_ward {
                address.push_str("Số ");
                push_num(&mut address, u64::from(1 + g.below(200)), 1);
                address.push_str(", ");
                if g.chance(P_WARD_ALLEY) {
                    address.push_str("Ngõ ");
                    push_num(&mut address, u64::from(1 + g.below(120)), 1);
                    address.push_str(", ");
                }
            } else if g.chance(P_RURAL_HOUSE_NO) {
                address.push_str("Số ");
                push_num(&mut address, u64::from(1 + g.below(200)), 1);
                address.push_str(", ");
            }
            push_village_name(&mut address, commune.is_ward, village_no);

            let phone = if g.chance(P_PHONE) {
                let mut p = String::with_capacity(12);
                p.push_str(PHONE_PREFIXES[t.phone_prefix.sample(&mut g)].0);
                p.push(' ');
                push_num(&mut p, u64::from(g.below(1_000)), 3);
                p.push(' ');
                push_num(&mut p, u64::from(g.below(10_000)), 4);
                Some(p)
            } else {
                None
            };

            let poverty = match g.below(10_000) {
                0..300 => Some((year, PovertyStatus::Poor)),
                300..700 => Some((year, PovertyStatus::NearPoor)),
                700..900 => Some((year, PovertyStatus::Escaped)),
                _ => None,
            };

            let ethnicity = &t.ethnicity_names[t.ethnicity.sample(&mut g)];

            // Siblings often share a middle name chosen per household.
            let boy_mid = t.boy_mid.sample(&mut g);
            let girl_mid = t.girl_mid.sample(&mut g);
            let household_prefix = t.id_prefix.sample(&mut g);

            // Birth offsets (days before as_of), oldest first, spaced at
            // least MIN_SIBLING_GAP days apart when possible; rare twins.
            let k = usize::from(size);
            let mut ds = [0u32; 4];
            for _attempt in 0..8 {
                for d in ds.iter_mut().take(k) {
                    *d = window.sample_offset(&mut g, &t.age);
                }
                ds[..k].sort_unstable_by(|a, b| b.cmp(a));
                if ds[..k].windows(2).all(|w| w[0] - w[1] >= MIN_SIBLING_GAP) {
                    break;
                }
            }
            for i in 1..k {
                if g.chance(P_TWIN) {
                    ds[i] = ds[i - 1];
                }
            }

            let mut used_given: [(Sex, usize); 4] = [(Sex::Male, usize::MAX); 4];
            for (ki, &d) in ds[..k].iter().enumerate() {
                let sex = if g.chance(P_MALE) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let (mid_table, pairs, pair_table, p_pair, pref, givens, given_table) = match sex {
                    Sex::Male => (
                        &t.boy_mid,
                        MALE_MIDDLE_PAIRS,
                        &t.boy_pair,
                        P_BOY_TWO_MIDDLE,
                        boy_mid,
                        MALE_GIVEN,
                        &t.boy_given,
                    ),
                    Sex::Female => (
                        &t.girl_mid,
                        FEMALE_MIDDLE_PAIRS,
                        &t.girl_pair,
                        P_GIRL_TWO_MIDDLE,
                        girl_mid,
                        FEMALE_GIVEN,
                        &t.girl_given,
                    ),
                };
                let mids = sex_middles(sex);
                let (m1, m2) = if g.chance(p_pair) {
                    let (a, b, _) = pairs[pair_table.sample(&mut g)];
                    (a, Some(b))
                } else if g.chance(P_SHARED_MIDDLE) {
                    (mids[pref].0, None)
                } else {
                    (mids[mid_table.sample(&mut g)].0, None)
                };
                let mut gi = given_table.sample(&mut g);
                let clash = |gi: usize| {
                    let gname = givens[gi].0;
                    m1 == gname || m2 == Some(gname) || used_given[..ki].contains(&(sex, gi))
                };
                for _ in 0..6 {
                    if !clash(gi) {
                        break;
                    }
                    gi = given_table.sample(&mut g);
                }
                // Siblings (twins too) never share a given name: probe onwards if the
                // random draws kept clashing.
                while clash(gi) {
                    gi = (gi + 1) % givens.len();
                }
                used_given[ki] = (sex, gi);
                let full_name = compose_name(father_family, m1, m2, givens[gi].0);

                let birth_date = window.date(d);
                let has_id = if d < NEWBORN_DAYS {
                    g.chance(P_ID_NEWBORN)
                } else {
                    g.chance(P_ID_OLDER)
                };
                let personal_id = if has_id {
                    // Siblings are usually registered in the same province.
                    let pi = if g.chance(P_SIBLING_OTHER_PREFIX) {
                        t.id_prefix.sample(&mut g)
                    } else {
                        household_prefix
                    };
                    let prefix = &t.id_prefix_names[pi];
                    Some(personal_id(
                        prefix,
                        sex,
                        birth_date.year(),
                        g.below(1_000_000),
                    ))
                } else {
                    None
                };

                children.push(DemoChild {
                    household_code: code.clone(),
                    full_name,
                    sex,
                    birth_date,
                    ethnicity: ethnicity.clone(),
                    personal_id,
                });
            }

            households.push(DemoHousehold {
                code,
                commune_code: commune.code.clone(),
                village_code: village_code(&commune.code, village_no),
                head_name,
                address,
                phone,
                poverty,
            });
        }

        DemoChunk {
            index,
            commune_code: commune.code.clone(),
            households,
            children,
        }
    }
}

/// Builds a 12-digit personal ID: province prefix, century/sex digit
/// (0/1 for 1900s, 2/3 for 2000s, ... male/female), two-digit birth year,
/// six-digit serial.
fn personal_id(prefix: &str, sex: Sex, birth_year: i32, serial: u32) -> String {
    let century = (birth_year.div_euclid(100) - 19).clamp(0, 4) as u64;
    let digit = century * 2 + u64::from(sex == Sex::Female);
    let mut s = String::with_capacity(12);
    s.push_str(prefix);
    push_num(&mut s, digit, 1);
    push_num(&mut s, birth_year.rem_euclid(100) as u64, 2);
    push_num(&mut s, u64::from(serial), 6);
    s
}

fn village_code(commune_code: &str, v: u32) -> String {
    let mut s = String::with_capacity(commune_code.len() + 4);
    s.push_str(commune_code);
    s.push('-');
    push_num(&mut s, u64::from(v), 3);
    s
}

fn push_village_name(s: &mut String, is_ward: bool, v: u32) {
    s.push_str(if is_ward {
        "Tổ dân phố "
    } else {
        "Thôn "
    });
    push_num(s, u64::from(v), 1);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (≤ 20).
fn push_num(s: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len() - width.min(buf.len()));
    for &b in &buf[start..] {
        s.push(char::from(b));
    }
}

// ---------------------------------------------------------------------------
// Randomness

const SALT_SIZE: u64 = 0x5349_5a45_0000_0001;
const SALT_VILLAGES: u64 = 0x5649_4c4c_0000_0002;
const SALT_CHUNK: u64 = 0xd1b5_4a32_d192_ed03;

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn chunk_seed(seed: u64, index: usize) -> u64 {
    splitmix64(seed ^ splitmix64(index as u64 ^ SALT_CHUNK))
}

fn commune_seed(seed: u64, code: &str, salt: u64) -> u64 {
    splitmix64(seed ^ splitmix64(fnv1a(code) ^ salt))
}

/// Probability as a threshold on a uniform `u32`.
const fn prob(num: u64, den: u64) -> u32 {
    ((num << 32) / den) as u32
}

/// Sex ratio at birth ≈ 111 boys per 100 girls.
const P_MALE: u32 = prob(111, 211);
const P_HEAD_MALE: u32 = prob(82, 100);
const P_PHONE: u32 = prob(80, 100);
const P_WARD_ALLEY: u32 = prob(30, 100);
const P_RURAL_HOUSE_NO: u32 = prob(75, 100);
const P_SHARED_MIDDLE: u32 = prob(55, 100);
/// Two middle words ("Nguyễn Ngọc Bảo Anh"), from curated pairs.
const P_GIRL_TWO_MIDDLE: u32 = prob(12, 100);
const P_BOY_TWO_MIDDLE: u32 = prob(4, 100);
const P_WOMAN_TWO_MIDDLE: u32 = prob(5, 100);
const P_MAN_TWO_MIDDLE: u32 = prob(2, 100);
/// A sibling registered in another province than the household's usual one.
const P_SIBLING_OTHER_PREFIX: u32 = prob(8, 100);
const P_TWIN: u32 = prob(15, 1_000);
/// Children under about three months old mostly have no personal ID yet.
const NEWBORN_DAYS: u32 = 90;
const P_ID_NEWBORN: u32 = prob(25, 100);
/// Chosen so that about 92 % of all children have an ID.
const P_ID_OLDER: u32 = prob(93, 100);
const MIN_SIBLING_GAP: u32 = 300;

struct Gen(ChaCha8Rng);

impl Gen {
    fn new(seed: u64) -> Self {
        Gen(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (multiply-shift; bias negligible for small `n`).
    fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    fn chance(&mut self, threshold: u32) -> bool {
        self.0.next_u32() < threshold
    }
}

/// Cumulative weight table sampled by binary search.
#[derive(Debug, Clone)]
struct Table {
    cum: Vec<u32>,
}

impl Table {
    fn new(weights: impl IntoIterator<Item = u32>) -> Self {
        let mut acc = 0u32;
        let cum: Vec<u32> = weights
            .into_iter()
            .map(|w| {
                acc = acc.checked_add(w).expect("weight table overflows u32");
                acc
            })
            .collect();
        assert!(acc > 0, "weight table is empty or sums to zero");
        Table { cum }
    }

    fn sample(&self, g: &mut Gen) -> usize {
        let total = self.cum[self.cum.len() - 1];
        let x = g.below(total);
        self.cum.partition_point(|&c| c <= x)
    }
}

#[derive(Debug, Clone)]
struct Tables {
    family: Table,
    man_mid: Table,
    woman_mid: Table,
    boy_mid: Table,
    girl_mid: Table,
    boy_pair: Table,
    girl_pair: Table,
    man_given: Table,
    woman_given: Table,
    boy_given: Table,
    girl_given: Table,
    household_size: Table,
    age: Table,
    phone_prefix: Table,
    ethnicity: Table,
    ethnicity_names: Vec<String>,
    id_prefix: Table,
    id_prefix_names: Vec<String>,
}

impl Tables {
    fn new(params: &DemoParams) -> Self {
        let adult = |t: &[(&str, u32, u32)]| Table::new(t.iter().map(|e| e.1));
        let child = |t: &[(&str, u32, u32)]| Table::new(t.iter().map(|e| e.2));
        Tables {
            family: Table::new(FAMILY_NAMES.iter().map(|e| e.1)),
            man_mid: adult(MALE_MIDDLE),
            woman_mid: adult(FEMALE_MIDDLE),
            boy_mid: child(MALE_MIDDLE),
            girl_mid: child(FEMALE_MIDDLE),
            boy_pair: Table::new(MALE_MIDDLE_PAIRS.iter().map(|e| e.2)),
            girl_pair: Table::new(FEMALE_MIDDLE_PAIRS.iter().map(|e| e.2)),
            man_given: adult(MALE_GIVEN),
            woman_given: adult(FEMALE_GIVEN),
            boy_given: child(MALE_GIVEN),
            girl_given: child(FEMALE_GIVEN),
            household_size: Table::new(HOUSEHOLD_SIZE_WEIGHTS),
            // Age 0..=15: slightly fewer births in recent years.
            age: Table::new((0..16u32).map(|a| 880 + 8 * a)),
            phone_prefix: Table::new(PHONE_PREFIXES.iter().map(|e| e.1)),
            ethnicity: Table::new(params.ethnicities.iter().map(|e| e.1)),
            ethnicity_names: params.ethnicities.iter().map(|e| e.0.clone()).collect(),
            id_prefix: Table::new(params.id_prefixes.iter().map(|e| e.1)),
            id_prefix_names: params.id_prefixes.iter().map(|e| e.0.clone()).collect(),
        }
    }

    /// Full name of an adult: family, one (rarely two) middle words, given.
    fn adult_name(&self, g: &mut Gen, sex: Sex, family: &str) -> String {
        let (mid_table, pairs, pair_table, p_pair, givens, given_table) = match sex {
            Sex::Male => (
                &self.man_mid,
                MALE_MIDDLE_PAIRS,
                &self.boy_pair,
                P_MAN_TWO_MIDDLE,
                MALE_GIVEN,
                &self.man_given,
            ),
            Sex::Female => (
                &self.woman_mid,
                FEMALE_MIDDLE_PAIRS,
                &self.girl_pair,
                P_WOMAN_TWO_MIDDLE,
                FEMALE_GIVEN,
                &self.woman_given,
            ),
        };
        let (m1, m2) = if g.chance(p_pair) {
            let (a, b, _) = pairs[pair_table.sample(g)];
            (a, Some(b))
        } else {
            (sex_middles(sex)[mid_table.sample(g)].0, None)
        };
        let mut gi = given_table.sample(g);
        for _ in 0..6 {
            if givens[gi].0 != m1 && m2 != Some(givens[gi].0) {
                break;
            }
            gi = given_table.sample(g);
        }
        compose_name(family, m1, m2, givens[gi].0)
    }
}

fn sex_middles(sex: Sex) -> &'static [(&'static str, u32, u32)] {
    match sex {
        Sex::Male => MALE_MIDDLE,
        Sex::Female => FEMALE_MIDDLE,
    }
}

/// "Family Middle [Middle2] Given", allocated once.
fn compose_name(family: &str, m1: &str, m2: Option<&str>, given: &str) -> String {
    let len = family.len() + m1.len() + m2.map_or(0, |m| m.len() + 1) + given.len() + 3;
    let mut s = String::with_capacity(len);
    s.push_str(family);
    s.push(' ');
    s.push_str(m1);
    if let Some(m) = m2 {
        s.push(' ');
        s.push_str(m);
    }
    s.push(' ');
    s.push_str(given);
    s
}

/// Birth dates in `(as_of - 16 years, as_of]`, as day offsets before `as_of`.
struct BirthWindow {
    as_of_jd: i32,
    span: u32,
}

impl BirthWindow {
    fn new(as_of: Date) -> Self {
        let y = as_of.year() - 16;
        let lower = as_of
            .replace_year(y)
            .or_else(|_| Date::from_calendar_date(y, Month::February, 28))
            .expect("date 16 years before as_of is representable");
        let as_of_jd = as_of.to_julian_day();
        BirthWindow {
            as_of_jd,
            span: (as_of_jd - lower.to_julian_day()) as u32,
        }
    }

    /// Offset in `0..span`: year-of-age bucket from `age`, uniform within it.
    fn sample_offset(&self, g: &mut Gen, age: &Table) -> u32 {
        let a = age.sample(g) as u64;
        let span = u64::from(self.span);
        ((a * span + u64::from(g.below(self.span))) / 16) as u32
    }

    fn date(&self, offset: u32) -> Date {
        Date::from_julian_day(self.as_of_jd - offset as i32).expect("birth date in range")
    }
}

// ---------------------------------------------------------------------------
// Name and other tables (all strings NFC).

/// Children per household 1, 2, 3, 4 (mean ≈ 1.72).
const HOUSEHOLD_SIZE_WEIGHTS: [u32; 4] = [47, 38, 11, 4];

/// Family names (họ), weight in 0.1 % of the population.
const FAMILY_NAMES: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 46),
    ("Huỳnh", 4),
    ("Phan", 45),
    ("Vũ", 37),
    ("Võ", 2),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đào", 12),
    ("Đinh", 10),
    ("Trương", 10),
    ("Trịnh", 9),
    ("Đoàn", 9),
    ("Mai", 8),
    ("Hà", 8),
    ("Lương", 6),
    ("Cao", 6),
    ("Lưu", 5),
    ("Phùng", 5),
    ("Tạ", 4),
    ("Chu", 4),
    ("Tô", 4),
    ("Kiều", 3),
    ("Quách", 3),
    ("Triệu", 3),
    ("Vương", 3),
    ("Lại", 3),
    ("Nông", 2),
    ("Thái", 2),
    ("Khúc", 2),
    ("Mạc", 2),
    ("Nhữ", 1),
    ("Tăng", 1),
    ("Âu", 1),
];

/// Male middle names (tên đệm): (name, adult weight, child weight).
const MALE_MIDDLE: &[(&str, u32, u32)] = &[
    ("Văn", 450, 120),
    ("Đức", 60, 70),
    ("Minh", 40, 110),
    ("Quang", 40, 50),
    ("Hữu", 40, 30),
    ("Xuân", 30, 15),
    ("Công", 30, 25),
    ("Thanh", 30, 20),
    ("Ngọc", 20, 15),
    ("Mạnh", 20, 15),
    ("Đình", 40, 20),
    ("Trọng", 20, 20),
    ("Duy", 20, 45),
    ("Tiến", 20, 15),
    ("Thế", 20, 20),
    ("Hồng", 15, 5),
    ("Anh", 15, 40),
    ("Bá", 15, 5),
    ("Quốc", 20, 35),
    ("Việt", 15, 20),
    ("Gia", 2, 90),
    ("Bảo", 2, 70),
    ("Đăng", 5, 45),
    ("Hoàng", 10, 45),
    ("Nhật", 5, 40),
    ("Tuấn", 10, 30),
    ("Trung", 15, 25),
    ("Khánh", 3, 25),
    ("Hải", 15, 20),
    ("Phúc", 3, 25),
    ("Thành", 20, 35),
    ("Thiên", 1, 30),
    ("Hoài", 5, 10),
    ("Tùng", 2, 10),
    ("Kim", 5, 3),
];

/// Female middle names: (name, adult weight, child weight).
const FEMALE_MIDDLE: &[(&str, u32, u32)] = &[
    ("Thị", 600, 110),
    ("Thu", 50, 40),
    ("Thanh", 50, 50),
    ("Ngọc", 40, 110),
    ("Kim", 30, 25),
    ("Hồng", 30, 20),
    ("Phương", 20, 50),
    ("Thúy", 20, 10),
    ("Minh", 15, 70),
    ("Hải", 10, 25),
    ("Mai", 15, 25),
    ("Bích", 15, 10),
    ("Diệu", 5, 30),
    ("Tuệ", 1, 30),
    ("Hoài", 10, 20),
    ("Thùy", 15, 30),
    ("Quỳnh", 5, 20),
    ("Tú", 5, 15),
    ("Mỹ", 10, 25),
    ("Cẩm", 10, 15),
    ("Gia", 1, 40),
    ("An", 1, 30),
    ("Bảo", 1, 60),
    ("Khánh", 3, 60),
    ("Hà", 10, 30),
    ("Lan", 10, 10),
    ("Huyền", 5, 10),
    ("Như", 3, 15),
];

/// Common two-word middle names for boys: (first, second, weight).
const MALE_MIDDLE_PAIRS: &[(&str, &str, u32)] = &[
    ("Văn", "Minh", 3),
    ("Văn", "Đức", 2),
    ("Văn", "Quang", 2),
    ("Đức", "Minh", 3),
    ("Minh", "Đức", 3),
    ("Quang", "Minh", 3),
    ("Hoàng", "Gia", 3),
    ("Gia", "Bảo", 2),
    ("Nhật", "Minh", 2),
    ("Hữu", "Minh", 2),
    ("Đăng", "Khoa", 1),
];

/// Common two-word middle names for girls: (first, second, weight).
const FEMALE_MIDDLE_PAIRS: &[(&str, &str, u32)] = &[
    ("Thị", "Ngọc", 6),
    ("Thị", "Thu", 5),
    ("Thị", "Thanh", 5),
    ("Thị", "Minh", 3),
    ("Thị", "Hồng", 3),
    ("Thị", "Kim", 3),
    ("Thị", "Mai", 2),
    ("Thị", "Thùy", 3),
    ("Ngọc", "Bảo", 4),
    ("Ngọc", "Khánh", 3),
    ("Ngọc", "Minh", 2),
    ("Ngọc", "Phương", 2),
    ("Bảo", "Ngọc", 3),
    ("Khánh", "Ngọc", 2),
    ("Minh", "Ngọc", 2),
];

/// Male given names (tên): (name, adult weight, child weight).
const MALE_GIVEN: &[(&str, u32, u32)] = &[
    ("An", 10, 30),
    ("Bình", 30, 20),
    ("Cường", 40, 15),
    ("Dũng", 50, 20),
    ("Đức", 30, 40),
    ("Hùng", 60, 15),
    ("Khang", 2, 45),
    ("Khoa", 10, 40),
    ("Long", 30, 40),
    ("Minh", 40, 60),
    ("Nam", 40, 40),
    ("Phúc", 5, 45),
    ("Quân", 20, 55),
    ("Sơn", 50, 20),
    ("Thắng", 40, 15),
    ("Tùng", 30, 20),
    ("Vĩnh", 10, 10),
    ("Việt", 20, 20),
    ("Huy", 25, 55),
    ("Bảo", 3, 45),
    ("Hải", 50, 20),
    ("Hiếu", 25, 30),
    ("Hoàng", 20, 30),
    ("Hưng", 35, 35),
    ("Kiên", 15, 25),
    ("Khánh", 10, 30),
    ("Khôi", 3, 40),
    ("Lâm", 15, 35),
    ("Lộc", 10, 25),
    ("Luân", 10, 10),
    ("Mạnh", 30, 20),
    ("Nghĩa", 30, 20),
    ("Nhật", 5, 30),
    ("Phong", 25, 30),
    ("Quang", 25, 20),
    ("Quý", 20, 10),
    ("Tài", 20, 20),
    ("Tâm", 20, 15),
    ("Thành", 40, 30),
    ("Thịnh", 15, 30),
    ("Tiến", 30, 25),
    ("Toàn", 30, 20),
    ("Trí", 10, 25),
    ("Trung", 35, 25),
    ("Tuấn", 60, 30),
    ("Vinh", 25, 15),
    ("Vũ", 10, 25),
    ("Duy", 15, 35),
    ("Đạt", 20, 40),
    ("Đăng", 5, 35),
    ("Hậu", 15, 10),
    ("Hiển", 15, 10),
    ("Kiệt", 2, 35),
    ("Lực", 15, 5),
    ("Nguyên", 10, 35),
    ("Phát", 5, 35),
    ("Sang", 10, 15),
    ("Thái", 15, 15),
    ("Thiện", 10, 20),
    ("Trọng", 20, 10),
    ("Tú", 15, 15),
    ("Vương", 5, 20),
    ("Hòa", 30, 10),
    ("Chiến", 30, 5),
    ("Thuận", 20, 10),
    ("Dương", 10, 25),
    ("Hiệp", 15, 5),
    ("Quyết", 15, 10),
];

/// Female given names: (name, adult weight, child weight).
const FEMALE_GIVEN: &[(&str, u32, u32)] = &[
    ("Anh", 40, 80),
    ("Ánh", 20, 30),
    ("Chi", 10, 50),
    ("Diệp", 5, 20),
    ("Giang", 20, 30),
    ("Hà", 40, 40),
    ("Hằng", 50, 15),
    ("Hương", 60, 25),
    ("Lan", 50, 15),
    ("Linh", 40, 70),
    ("Mai", 40, 40),
    ("My", 10, 50),
    ("Ngân", 15, 50),
    ("Ngọc", 20, 40),
    ("Nhi", 5, 60),
    ("Oanh", 30, 5),
    ("Phương", 40, 40),
    ("Quỳnh", 20, 40),
    ("Thảo", 40, 60),
    ("Thủy", 50, 10),
    ("Trang", 50, 60),
    ("Uyên", 10, 50),
    ("Vy", 5, 55),
    ("Yến", 40, 20),
    ("An", 5, 50),
    ("Châu", 10, 25),
    ("Dung", 40, 10),
    ("Dương", 10, 25),
    ("Hạnh", 40, 15),
    ("Hiền", 40, 30),
    ("Hoa", 50, 10),
    ("Huyền", 40, 25),
    ("Liên", 30, 10),
    ("Loan", 30, 5),
    ("Ly", 10, 40),
    ("Nga", 40, 10),
    ("Nguyệt", 30, 10),
    ("Nhung", 40, 10),
    ("Như", 10, 40),
    ("Quyên", 15, 30),
    ("Tâm", 20, 30),
    ("Thư", 10, 55),
    ("Thùy", 20, 25),
    ("Tiên", 10, 35),
    ("Trâm", 10, 40),
    ("Trinh", 20, 20),
    ("Tuyết", 30, 5),
    ("Vân", 40, 30),
    ("Xuân", 30, 10),
    ("Hồng", 40, 10),
    ("Diễm", 15, 15),
    ("Đào", 20, 5),
    ("Hân", 2, 50),
    ("Thơ", 10, 20),
    ("Mỹ", 5, 10),
    ("Ngà", 15, 5),
    ("Nhàn", 30, 5),
    ("Thúy", 40, 10),
    ("Lụa", 10, 2),
    ("Khuê", 2, 20),
    ("Duyên", 30, 20),
];

/// Mobile prefixes (đầu số) with rough market-share weights.
const PHONE_PREFIXES: &[(&str, u32)] = &[
    // Viettel
    ("086", 5),
    ("096", 9),
    ("097", 9),
    ("098", 9),
    ("032", 4),
    ("033", 4),
    ("034", 4),
    ("035", 4),
    ("036", 4),
    ("037", 4),
    ("038", 4),
    ("039", 4),
    // VinaPhone
    ("088", 3),
    ("091", 6),
    ("094", 6),
    ("081", 2),
    ("082", 2),
    ("083", 2),
    ("084", 2),
    ("085", 2),
    // MobiFone
    ("089", 3),
    ("090", 6),
    ("093", 5),
    ("070", 2),
    ("076", 2),
    ("077", 2),
    ("078", 2),
    ("079", 2),
    // Vietnamobile, Gmobile
    ("092", 1),
    ("056", 1),
    ("058", 1),
    ("099", 1),
    ("059", 1),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use time::macros::date;
    use unicode_normalization::{UnicodeNormalization, is_nfc};

    const AS_OF: Date = date!(2025 - 07 - 15);

    fn communes() -> Vec<DemoCommune> {
        [
            ("10507", "Phường Thành Đông"),
            ("10606", "Xã Nam Sách"),
            ("10729", "Phường Trần Liễu"),
            ("10882", "Xã Hà Đông"),
            ("11002", "Phường Thạch Khôi"),
            ("11167", "Xã Tân An"),
            ("11359", "Phường Gia Viên"),
            ("11647", "Xã An Quang"),
            ("11755", "Xã Tiên Lãng"),
            ("11914", "Đặc khu Cát Hải"),
        ]
        .into_iter()
        .map(|(c, n)| DemoCommune::new(c, n))
        .collect()
    }

    fn all_chunks(p: &DemoPlan) -> Vec<DemoChunk> {
        (0..p.chunk_count()).map(|i| p.chunk(i, AS_OF)).collect()
    }

    fn age_at(birth: Date, at: Date) -> i32 {
        let mut a = at.year() - birth.year();
        if (at.month() as u8, at.day()) < (birth.month() as u8, birth.day()) {
            a -= 1;
        }
        a
    }

    #[test]
    fn commune_kind_from_name() {
        assert!(DemoCommune::new("1", "Phường Gia Viên").is_ward);
        assert!(!DemoCommune::new("2", "Xã Tân An").is_ward);
        assert!(!DemoCommune::new("3", "Đặc khu Cát Hải").is_ward);
    }

    #[test]
    fn enum_strings() {
        assert_eq!(Sex::Male.as_str(), "male");
        assert_eq!(Sex::Female.label_vi(), "Nữ");
        assert_eq!(Sex::parse("female"), Some(Sex::Female));
        assert_eq!(PovertyStatus::NearPoor.as_str(), "near_poor");
        for s in [
            PovertyStatus::Poor,
            PovertyStatus::NearPoor,
            PovertyStatus::Escaped,
        ] {
            assert_eq!(PovertyStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn deterministic() {
        let cs = communes();
        let a = plan(&cs, 20_000, 42);
        let b = plan(&cs, 20_000, 42);
        assert_eq!(a.chunk_count(), b.chunk_count());
        assert_eq!(a.villages(), b.villages());
        for i in [0, 3, a.chunk_count() - 1] {
            assert_eq!(a.chunk(i, AS_OF), b.chunk(i, AS_OF));
        }
        let c = plan(&cs, 20_000, 43);
        assert_ne!(a.chunk(0, AS_OF), c.chunk(0, AS_OF));
    }

    #[test]
    fn chunk_independent_of_order() {
        let cs = communes();
        let p = plan(&cs, 30_000, 7);
        assert!(p.chunk_count() > 5);
        let fresh = p.chunk(5, AS_OF);
        let p2 = plan(&cs, 30_000, 7);
        for i in 0..5 {
            let _ = p2.chunk(i, AS_OF);
        }
        assert_eq!(p2.chunk(5, AS_OF), fresh);
        assert_eq!(p2.chunk(5, AS_OF), fresh);
    }

    #[test]
    fn totals_exact_and_chunks_bounded() {
        let cs = communes();
        for total in [0u64, 1, 9, 10, 1_999, 2_001, 12_345, 50_000] {
            let p = plan(&cs, total, 1);
            assert_eq!(p.total_children(), total);
            let mut n = 0u64;
            let mut h = 0u64;
            for i in 0..p.chunk_count() {
                let c = p.chunk(i, AS_OF);
                assert!(!c.children.is_empty());
                assert!(c.children.len() <= CHUNK_CHILDREN);
                assert_eq!(c.children.len(), p.chunk_children(i));
                assert_eq!(c.households.len(), p.chunk_households(i));
                assert_eq!(c.commune_code, p.chunk_commune_code(i));
                assert_eq!(c.index, i);
                n += c.children.len() as u64;
                h += c.households.len() as u64;
            }
            assert_eq!(n, total);
            assert_eq!(h, p.total_households());
        }
        assert_eq!(plan(&[], 100, 1).chunk_count(), 0);
    }

    #[test]
    fn household_codes_unique_and_well_formed() {
        let cs = communes();
        let p = plan(&cs, 50_000, 3);
        let villages: HashSet<String> = p.villages().into_iter().map(|v| v.code).collect();
        let mut codes = HashSet::new();
        let mut per_commune: std::collections::HashMap<String, Vec<u64>> = Default::default();
        let mut children_per_household: std::collections::HashMap<String, usize> =
            Default::default();
        for c in all_chunks(&p) {
            for h in &c.households {
                assert!(codes.insert(h.code.clone()), "duplicate {}", h.code);
                let (cc, serial) = h.code.split_once("-H").unwrap();
                assert_eq!(cc, c.commune_code);
                assert_eq!(serial.len(), 6);
                per_commune
                    .entry(cc.to_owned())
                    .or_default()
                    .push(serial.parse().unwrap());
                assert!(villages.contains(&h.village_code));
                assert!(h.village_code.starts_with(&h.commune_code));
            }
            for ch in &c.children {
                *children_per_household
                    .entry(ch.household_code.clone())
                    .or_default() += 1;
            }
        }
        // Serials within a commune are exactly 1..=n.
        for serials in per_commune.values_mut() {
            serials.sort_unstable();
            assert!(serials.iter().enumerate().all(|(i, &s)| s == i as u64 + 1));
        }
        assert_eq!(children_per_household.len(), codes.len());
        assert!(
            children_per_household
                .values()
                .all(|&n| (1..=4).contains(&n))
        );
        let mean = 50_000.0 / codes.len() as f64;
        assert!(
            (1.6..1.85).contains(&mean),
            "mean children per household {mean}"
        );
    }

    #[test]
    fn villages_shape() {
        let cs = communes();
        let p = plan(&cs, 1_000, 9);
        let vs = p.villages();
        for c in &cs {
            let mine: Vec<&DemoVillage> = vs.iter().filter(|v| v.commune_code == c.code).collect();
            assert!((6..=18).contains(&mine.len()));
            for (i, v) in mine.iter().enumerate() {
                assert_eq!(v.code, format!("{}-{:03}", c.code, i + 1));
                let want = if c.is_ward {
                    "Tổ dân phố"
                } else {
                    "Thôn"
                };
                assert_eq!(v.name, format!("{want} {}", i + 1));
            }
        }
    }

    #[test]
    fn ages_within_0_to_15() {
        let cs = communes();
        for as_of in [AS_OF, date!(2024 - 02 - 29), date!(2026 - 01 - 01)] {
            let p = plan(&cs, 20_000, 11);
            let mut by_age = [0u32; 16];
            for c in (0..p.chunk_count()).map(|i| p.chunk(i, as_of)) {
                for ch in &c.children {
                    assert!(ch.birth_date <= as_of);
                    let a = age_at(ch.birth_date, as_of);
                    assert!((0..=15).contains(&a), "age {a} born {}", ch.birth_date);
                    by_age[a as usize] += 1;
                }
            }
            // Roughly uniform: every age between 4 % and 8 % of children.
            for n in by_age {
                assert!((800..1_600).contains(&n), "{by_age:?}");
            }
        }
    }

    #[test]
    fn sex_ratio_at_birth() {
        let p = plan(&communes(), 200_000, 5);
        let (mut m, mut f) = (0u64, 0u64);
        for c in all_chunks(&p) {
            for ch in &c.children {
                match ch.sex {
                    Sex::Male => m += 1,
                    Sex::Female => f += 1,
                }
            }
        }
        let ratio = m as f64 * 100.0 / f as f64;
        assert!((105.0..=117.0).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn personal_ids_consistent() {
        let p = plan(&communes(), 30_000, 8);
        let (mut with, mut total, mut hp) = (0u32, 0u32, 0u32);
        for c in all_chunks(&p) {
            for ch in &c.children {
                total += 1;
                let Some(id) = &ch.personal_id else { continue };
                with += 1;
                assert_eq!(id.len(), 12);
                assert!(id.bytes().all(|b| b.is_ascii_digit()));
                assert!(id.starts_with('0'));
                if id.starts_with("031") || id.starts_with("030") {
                    hp += 1;
                }
                let d4 = id.as_bytes()[3] - b'0';
                let year = ch.birth_date.year();
                let century = (year / 100 - 19) as u8;
                assert_eq!(d4 / 2, century);
                assert_eq!(d4 % 2 == 1, ch.sex == Sex::Female, "{id}");
                assert_eq!(id[4..6], format!("{:02}", year % 100));
            }
        }
        let share = f64::from(with) / f64::from(total);
        assert!((0.89..0.95).contains(&share), "id share {share}");
        assert!(f64::from(hp) / f64::from(with) > 0.9);
    }

    #[test]
    fn names_nfc_and_family_shares() {
        let p = plan(&communes(), 40_000, 13);
        let mut nguyen = 0u32;
        let mut total = 0u32;
        let mut kinh = 0u32;
        for c in all_chunks(&p) {
            for h in &c.households {
                assert!(is_nfc(&h.head_name) && h.head_name.split(' ').count() >= 3);
                assert!(is_nfc(&h.address));
            }
            let mut fam_by_household = std::collections::HashMap::new();
            for ch in &c.children {
                let words: Vec<&str> = ch.full_name.split(' ').collect();
                assert!(is_nfc(&ch.full_name), "{}", ch.full_name);
                assert!(words.len() >= 2 && words.iter().all(|w| !w.is_empty()));
                // Siblings share the family name.
                let fam = *fam_by_household
                    .entry(&ch.household_code)
                    .or_insert(words[0]);
                assert_eq!(fam, words[0]);
                total += 1;
                if words[0] == "Nguyễn" {
                    nguyen += 1;
                }
                if ch.ethnicity == "Kinh" {
                    kinh += 1;
                }
            }
        }
        let share = f64::from(nguyen) / f64::from(total);
        assert!((0.30..=0.45).contains(&share), "Nguyễn share {share}");
        assert!(f64::from(kinh) / f64::from(total) > 0.97);
    }

    #[test]
    fn name_tables_nfc_and_cover_all_diacritics() {
        let mut all = String::new();
        for (n, _) in FAMILY_NAMES {
            all.push_str(n);
        }
        for t in [MALE_MIDDLE, FEMALE_MIDDLE, MALE_GIVEN, FEMALE_GIVEN] {
            for (n, _, _) in t {
                assert!(is_nfc(n), "{n}");
                all.push_str(n);
            }
        }
        assert!(is_nfc(&all));
        assert!(MALE_GIVEN.len() >= 50 && FEMALE_GIVEN.len() >= 50);
        for t in [MALE_MIDDLE_PAIRS, FEMALE_MIDDLE_PAIRS] {
            for (a, b, _) in t {
                assert!(is_nfc(a) && is_nfc(b) && a != b);
            }
        }
        let lower = all.to_lowercase();
        assert!(lower.contains('đ'));
        let nfd: String = lower.nfd().collect();
        // Breve (ă), circumflex (â ê ô), horn (ơ ư); then the five tones:
        // huyền, sắc, hỏi, ngã, nặng.
        for (base, mark) in [
            ('a', '\u{306}'),
            ('a', '\u{302}'),
            ('e', '\u{302}'),
            ('o', '\u{302}'),
            ('o', '\u{31b}'),
            ('u', '\u{31b}'),
        ] {
            let pat: String = [base, mark].iter().collect();
            assert!(nfd.contains(&pat), "missing {base}+{mark:?}");
        }
        for tone in ['\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}'] {
            assert!(nfd.contains(tone), "missing tone {tone:?}");
        }
    }

    #[test]
    fn households_look_plausible() {
        let p = plan(&communes(), 40_000, 17);
        let (mut n, mut phones, mut poor, mut near, mut escaped) = (0u32, 0u32, 0u32, 0u32, 0u32);
        for c in all_chunks(&p) {
            for h in &c.households {
                n += 1;
                if let Some(ph) = &h.phone {
                    phones += 1;
                    assert_eq!(ph.len(), 12);
                    assert!(ph.starts_with('0'));
                    assert_eq!(ph.as_bytes()[3], b' ');
                    assert_eq!(ph.as_bytes()[7], b' ');
                }
                if let Some((y, s)) = h.poverty {
                    assert_eq!(y, AS_OF.year());
                    match s {
                        PovertyStatus::Poor => poor += 1,
                        PovertyStatus::NearPoor => near += 1,
                        PovertyStatus::Escaped => escaped += 1,
                    }
                }
                assert!(h.address.contains("Thôn ") || h.address.contains("Tổ dân phố "));
            }
        }
        let f = |x: u32| f64::from(x) / f64::from(n);
        assert!((0.77..0.83).contains(&f(phones)));
        assert!((0.02..0.04).contains(&f(poor)));
        assert!((0.03..0.05).contains(&f(near)));
        assert!((0.01..0.03).contains(&f(escaped)));
    }

    #[test]
    fn custom_ethnicities() {
        let params = DemoParams {
            ethnicities: vec![("Tày".into(), 1), ("Nùng".into(), 1)],
            ..DemoParams::default()
        };
        let p = plan_with(&communes(), 5_000, 2, &params);
        let c = p.chunk(0, AS_OF);
        assert!(
            c.children
                .iter()
                .all(|ch| ch.ethnicity == "Tày" || ch.ethnicity == "Nùng")
        );
    }

    #[test]
    fn personal_id_format() {
        assert_eq!(personal_id("031", Sex::Male, 2014, 42), "031214000042");
        assert_eq!(
            personal_id("030", Sex::Female, 2009, 999_999),
            "030309999999"
        );
        assert_eq!(personal_id("001", Sex::Female, 1999, 1), "001199000001");
    }
}
