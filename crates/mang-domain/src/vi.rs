//! Vietnamese user-facing labels of domain concepts, kept in one place so that an English
//! translation can follow. Page templates hold the rest of the UI text.

pub const PRODUCT: &str = "Măng";
pub const PRODUCT_TAGLINE: &str = "Hệ thống thông tin chăm sóc, bảo vệ trẻ em";

/// Access denied message shown by pages and the API (no detail about what exists).
pub const DENIED: &str = "Bạn không có quyền truy cập nội dung này.";
pub const NOT_FOUND: &str = "Không tìm thấy nội dung yêu cầu.";
pub const LOGIN_FAILED: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
pub const LOGIN_THROTTLED: &str = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau vài phút.";
pub const CSRF_FAILED: &str =
    "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.";
pub const SESSION_EXPIRED: &str = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.";
pub const NAME_PARTS_GIVEN_REQUIRED: &str = "Cần nhập tên (tên gọi) của trẻ.";
pub const NAME_PARTS_NOT_IN_NAME: &str =
    "Họ và tên gọi phải gồm các chữ có trong họ và tên đầy đủ của trẻ.";
pub const SEARCH_ID_DIGITS: &str = "Số định danh cá nhân để tìm phải đủ 12 chữ số.";
pub const SEARCH_NAME_LETTERS: &str =
    "Từ cuối của ô tìm kiếm phải là tên (hoặc phần đầu của tên) của trẻ.";
pub const SEARCH_BIRTH_DATE: &str =
    "Ngày sinh để tìm phải có dạng ngày/tháng/năm, ví dụ 05/02/2018.";
pub const HOUSEHOLDS_PICK_COMMUNE: &str =
    "Chọn một xã, phường (hoặc thôn, tổ) để xem danh sách hộ.";
pub const INTERNAL: &str = "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.";

/// Format a count the Vietnamese way: thousands separated by dots (`100.000`).
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A decimal number the Vietnamese way: decimal comma, no trailing zeros (`9,5`, `80`).
pub fn decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

/// A decimal number rounded to at most `max_decimals` places, the Vietnamese way: thousands
/// dot, decimal comma, trailing zeros dropped (`1.234,5`, `6,4`, `80`, `0,1`). Rounds half
/// away from zero; `-0` prints as `0`. Used for indicator values and thresholds (BRIEF §9).
pub fn decimal_rounded(x: f64, max_decimals: u8) -> String {
    let places = u32::from(max_decimals.min(9));
    let scale = 10_i64.pow(places);
    // Half away from zero on the scaled value; saturates for values beyond i64.
    let scaled = (x.abs() * scale as f64).round() as i64;
    let int = scaled / scale;
    let frac = format!("{:0width$}", scaled % scale, width = places as usize);
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if x < 0.0 && scaled != 0 {
        out.push('-');
    }
    out.push_str(&number(int));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// `dd/mm/yyyy`, the date format of every Vietnamese form (BRIEF §9).
pub fn date(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A stored ISO date (`2026-02-05`) as `05/02/2026`; anything else is returned unchanged.
pub fn iso_date(iso: &str) -> String {
    match (
        iso.get(0..4),
        iso.get(4..5),
        iso.get(5..7),
        iso.get(7..8),
        iso.get(8..10),
    ) {
        (Some(y), Some("-"), Some(m), Some("-"), Some(d)) if iso.len() == 10 => {
            format!("{d}/{m}/{y}")
        }
        _ => iso.to_owned(),
    }
}

/// A stored UTC timestamp (`2026-11-26T02:05:02Z`) as Vietnamese local time (UTC+7, no
/// daylight saving): `26/11/2026 09:05`. Unparseable input is returned unchanged.
pub fn timestamp(utc: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    match time::PrimitiveDateTime::parse(utc, &fmt) {
        Ok(t) => {
            let local = t.assume_utc().to_offset(time::macros::offset!(+7));
            format!(
                "{} {:02}:{:02}",
                date(local.date()),
                local.hour(),
                local.minute()
            )
        }
        Err(_) => utc.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_dot_thousands() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(2_500_000), "2.500.000");
        assert_eq!(number(-12345), "-12.345");
    }

    #[test]
    fn rounded_decimals_use_comma_and_dot_thousands() {
        assert_eq!(decimal_rounded(6.4, 1), "6,4");
        assert_eq!(decimal_rounded(80.0, 1), "80");
        assert_eq!(decimal_rounded(3.04, 1), "3");
        assert_eq!(decimal_rounded(0.06, 1), "0,1");
        assert_eq!(decimal_rounded(1234.56, 1), "1.234,6");
        assert_eq!(decimal_rounded(100_000.0, 0), "100.000");
        assert_eq!(decimal_rounded(-2.25, 1), "-2,3");
        assert_eq!(decimal_rounded(-0.01, 1), "0");
    }

    #[test]
    fn iso_dates_read_day_first() {
        assert_eq!(iso_date("2026-02-05"), "05/02/2026");
        assert_eq!(iso_date(""), "");
        assert_eq!(iso_date("05/02/2026"), "05/02/2026");
    }

    #[test]
    fn timestamps_show_in_vietnam_time() {
        assert_eq!(timestamp("2026-11-26T02:05:02Z"), "26/11/2026 09:05");
        assert_eq!(timestamp("2026-12-31T20:30:00Z"), "01/01/2027 03:30");
        assert_eq!(timestamp("x"), "x");
    }

    #[test]
    fn dates_are_day_first() {
        let d = time::Date::from_calendar_date(2026, time::Month::February, 5).unwrap();
        assert_eq!(date(d), "05/02/2026");
    }
}
