//! SIM identities (IMSI, 15 digits): country from the MCC, carrier from the MNC for
//! China (MCC 460) and a few neighbouring networks seen in cross-border fraud.

use crate::{Invalid, Parsed};

/// Parses a 15-digit IMSI. The value is kept as given; only its shape is checked.
pub fn parse_imsi(s: &str) -> Parsed<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Invalid("empty IMSI"));
    }
    let b = s.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) {
        if crate::is_scientific(s) {
            return Err(crate::SPREADSHEET);
        }
        return Err(Invalid("IMSI may only hold digits"));
    }
    if b.len() != 15 {
        return Err(Invalid("IMSI must have 15 digits"));
    }
    if !(b'2'..=b'7').contains(&b[0]) {
        return Err(Invalid("IMSI country code (MCC) must start with 2 to 7"));
    }
    let mut v: i64 = 0;
    for &d in b {
        v = v * 10 + i64::from(d - b'0');
    }
    Ok(v)
}

/// What the MCC/MNC of an IMSI say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImsiInfo {
    pub mcc: u16,
    /// ISO 3166 alpha-2 country, `None` when the MCC is not in our table.
    pub country: Option<&'static str>,
    /// Carrier name when known (China: 中国移动 / 中国联通 / 中国电信 / 中国广电).
    pub carrier: Option<&'static str>,
}

const MCC_COUNTRY: &[(u16, &str)] = &[
    (202, "GR"),
    (204, "NL"),
    (206, "BE"),
    (208, "FR"),
    (214, "ES"),
    (222, "IT"),
    (226, "RO"),
    (228, "CH"),
    (232, "AT"),
    (234, "GB"),
    (235, "GB"),
    (238, "DK"),
    (240, "SE"),
    (242, "NO"),
    (244, "FI"),
    (250, "RU"),
    (255, "UA"),
    (260, "PL"),
    (262, "DE"),
    (268, "PT"),
    (272, "IE"),
    (286, "TR"),
    (302, "CA"),
    (310, "US"),
    (311, "US"),
    (312, "US"),
    (313, "US"),
    (314, "US"),
    (315, "US"),
    (316, "US"),
    (334, "MX"),
    (404, "IN"),
    (405, "IN"),
    (410, "PK"),
    (413, "LK"),
    (414, "MM"),
    (415, "LB"),
    (420, "SA"),
    (424, "AE"),
    (425, "IL"),
    (427, "QA"),
    (429, "NP"),
    (440, "JP"),
    (441, "JP"),
    (450, "KR"),
    (452, "VN"),
    (454, "HK"),
    (455, "MO"),
    (456, "KH"),
    (457, "LA"),
    (460, "CN"),
    (461, "CN"),
    (466, "TW"),
    (470, "BD"),
    (502, "MY"),
    (505, "AU"),
    (510, "ID"),
    (514, "TL"),
    (515, "PH"),
    (520, "TH"),
    (525, "SG"),
    (528, "BN"),
    (530, "NZ"),
    (602, "EG"),
    (621, "NG"),
    (655, "ZA"),
    (722, "AR"),
    (724, "BR"),
    (730, "CL"),
    (732, "CO"),
];

/// Country and carrier of an IMSI.
pub fn imsi_info(imsi: i64) -> ImsiInfo {
    let mcc = (imsi / 1_000_000_000_000) as u16;
    let mnc = ((imsi / 10_000_000_000) % 100) as u8;
    let country = MCC_COUNTRY
        .binary_search_by_key(&mcc, |&(m, _)| m)
        .ok()
        .map(|i| MCC_COUNTRY[i].1);
    let carrier = if mcc == 460 {
        match mnc {
            0 | 2 | 4 | 7 | 8 => Some("中国移动"),
            1 | 6 | 9 => Some("中国联通"),
            3 | 5 | 11 => Some("中国电信"),
            15 => Some("中国广电"),
            _ => None,
        }
    } else {
        None
    };
    ImsiInfo {
        mcc,
        country,
        carrier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    #[allow(clippy::unreadable_literal)]
    fn chinese_carriers() {
        let telecom = parse_imsi("460110123456789").unwrap();
        assert_eq!(
            imsi_info(telecom),
            ImsiInfo {
                mcc: 460,
                country: Some("CN"),
                carrier: Some("中国电信")
            }
        );
        assert_eq!(imsi_info(460000123456789).carrier, Some("中国移动"));
        assert_eq!(imsi_info(460010123456789).carrier, Some("中国联通"));
        assert_eq!(imsi_info(460150123456789).carrier, Some("中国广电"));
        assert_eq!(imsi_info(454000123456789).country, Some("HK"));
        assert_eq!(imsi_info(999000123456789).country, None);
    }

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(MCC_COUNTRY.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn rejection_reasons() {
        assert_eq!(parse_imsi(""), Err(Invalid("empty IMSI")));
        assert_eq!(
            parse_imsi("46011012345678"),
            Err(Invalid("IMSI must have 15 digits"))
        );
        assert_eq!(
            parse_imsi("46011012345678x"),
            Err(Invalid("IMSI may only hold digits"))
        );
        assert_eq!(
            parse_imsi("060110123456789"),
            Err(Invalid("IMSI country code (MCC) must start with 2 to 7"))
        );
    }

    proptest! {
        #[test]
        fn round_trip(v in 200_000_000_000_000i64..800_000_000_000_000) {
            prop_assert_eq!(parse_imsi(&v.to_string()), Ok(v));
        }
    }
}
