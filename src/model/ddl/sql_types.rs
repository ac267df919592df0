//! Column types spelled the way PostgreSQL's `format_type()` prints them (`integer`,
//! `character varying(255)`, `timestamp with time zone`), and the integer type behind each
//! serial pseudo-type.

use super::PUBLIC;
use super::identifiers::{last_identifier, part_identifier, quote_identifier};
use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, GeometricTypeKind,
    IntervalFields, ObjectName, TimezoneInfo,
};

/// The integer type a serial pseudo-type stands for.
pub(super) fn serial_type(data_type: &DataType) -> Option<&'static str> {
    let DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    if !modifiers.is_empty() || name.0.len() > 1 {
        return None;
    }
    match last_identifier(name).as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

/// A type as PostgreSQL's `format_type()` prints it: `integer`, `character varying(255)`,
/// `timestamp with time zone`, `numeric(10,0)` for `numeric(10)`, one `[]` for any array,
/// user types unqualified in `public` and quoted where needed.
pub fn format_type(data_type: &DataType) -> String {
    match data_type {
        DataType::SmallInt(_) | DataType::Int2(_) => "smallint".into(),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => "integer".into(),
        DataType::BigInt(_) | DataType::Int8(_) => "bigint".into(),
        DataType::Real | DataType::Float4 => "real".into(),
        DataType::Float8 | DataType::DoublePrecision => "double precision".into(),
        DataType::Float(ExactNumberInfo::Precision(bits)) if *bits <= 24 => "real".into(),
        DataType::Float(_) => "double precision".into(),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => "numeric".into(),
            ExactNumberInfo::Precision(precision) => format!("numeric({precision},0)"),
            ExactNumberInfo::PrecisionAndScale(precision, scale) => {
                format!("numeric({precision},{scale})")
            }
        },
        DataType::Varchar(length)
        | DataType::CharacterVarying(length)
        | DataType::CharVarying(length)
        | DataType::Nvarchar(length) => with_length("character varying", length.as_ref()),
        // `char` without a length is `char(1)`.
        DataType::Char(length) | DataType::Character(length) => {
            format!("character({})", length.as_ref().map_or(1, length_value))
        }
        DataType::Text => "text".into(),
        DataType::Bool | DataType::Boolean => "boolean".into(),
        DataType::Bytea => "bytea".into(),
        DataType::Date => "date".into(),
        DataType::Uuid => "uuid".into(),
        DataType::JSON => "json".into(),
        DataType::JSONB => "jsonb".into(),
        DataType::Regclass => "regclass".into(),
        DataType::TsVector => "tsvector".into(),
        DataType::TsQuery => "tsquery".into(),
        DataType::Timestamp(precision, zone) => time_type("timestamp", *precision, zone),
        DataType::Time(precision, zone) => time_type("time", *precision, zone),
        DataType::Interval { fields, precision } => interval_type(fields.as_ref(), *precision),
        DataType::Bit(length) => format!("bit({})", length.unwrap_or(1)),
        DataType::BitVarying(length) | DataType::VarBit(length) => match length {
            Some(length) => format!("bit varying({length})"),
            None => "bit varying".into(),
        },
        DataType::Array(element) => array_type(element),
        DataType::GeometricType(kind) => geometric_type(kind).into(),
        DataType::Custom(name, modifiers) => custom_type(name, modifiers),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn interval_type(fields: Option<&IntervalFields>, precision: Option<u64>) -> String {
    let mut text = "interval".to_string();
    if let Some(fields) = fields {
        text.push(' ');
        text.push_str(&interval_fields(fields));
    }
    if let Some(precision) = precision {
        text.push_str(&format!("({precision})"));
    }
    text
}

fn array_type(element: &ArrayElemTypeDef) -> String {
    match element {
        ArrayElemTypeDef::SquareBracket(inner, _)
        | ArrayElemTypeDef::AngleBracket(inner)
        | ArrayElemTypeDef::Parenthesis(inner)
        | ArrayElemTypeDef::ParenthesisNotNull(inner)
        | ArrayElemTypeDef::Qualified(inner, _) => {
            // PostgreSQL keeps no dimensions: `integer[][]` is `integer[]`.
            let inner = format_type(inner);
            if inner.ends_with("[]") {
                inner
            } else {
                format!("{inner}[]")
            }
        }
        ArrayElemTypeDef::None => "anyarray".into(),
    }
}

fn geometric_type(kind: &GeometricTypeKind) -> &'static str {
    match kind {
        GeometricTypeKind::Point => "point",
        GeometricTypeKind::Line => "line",
        GeometricTypeKind::LineSegment => "lseg",
        GeometricTypeKind::GeometricBox => "box",
        GeometricTypeKind::GeometricPath => "path",
        GeometricTypeKind::Polygon => "polygon",
        GeometricTypeKind::Circle => "circle",
    }
}

fn length_value(length: &CharacterLength) -> u64 {
    match length {
        CharacterLength::IntegerLength { length, .. } => *length,
        CharacterLength::Max => 10_485_760,
    }
}

fn with_length(base: &str, length: Option<&CharacterLength>) -> String {
    match length {
        Some(length) => format!("{base}({})", length_value(length)),
        None => base.to_string(),
    }
}

fn time_type(base: &str, precision: Option<u64>, zone: &TimezoneInfo) -> String {
    let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
    let zone = match zone {
        TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "with time zone",
        TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "without time zone",
    };
    format!("{base}{precision} {zone}")
}

fn interval_fields(fields: &IntervalFields) -> String {
    match fields {
        IntervalFields::Year => "year",
        IntervalFields::Month => "month",
        IntervalFields::Day => "day",
        IntervalFields::Hour => "hour",
        IntervalFields::Minute => "minute",
        IntervalFields::Second => "second",
        IntervalFields::YearToMonth => "year to month",
        IntervalFields::DayToHour => "day to hour",
        IntervalFields::DayToMinute => "day to minute",
        IntervalFields::DayToSecond => "day to second",
        IntervalFields::HourToMinute => "hour to minute",
        IntervalFields::HourToSecond => "hour to second",
        IntervalFields::MinuteToSecond => "minute to second",
    }
    .to_string()
}

/// A type sqlparser does not know by name: PostgreSQL's internal names (`int4`,
/// `timestamptz`, quoted `"char"`) and user or extension types.
fn custom_type(name: &ObjectName, modifiers: &[sqlparser::ast::TypeModifier]) -> String {
    let mut parts: Vec<String> = name.0.iter().map(part_identifier).collect();
    if parts.len() > 1 && matches!(parts[parts.len() - 2].as_str(), "pg_catalog" | PUBLIC) {
        parts.drain(..parts.len() - 1);
    }
    let modifiers: Vec<String> = modifiers.iter().map(ToString::to_string).collect();
    let typmod = (!modifiers.is_empty()).then(|| format!("({})", modifiers.join(",")));
    if let [single] = parts.as_slice() {
        let typmod_or = |default: &str| typmod.clone().unwrap_or_else(|| default.to_string());
        let known = match single.as_str() {
            "int2" | "smallserial" | "serial2" => Some("smallint".to_string()),
            "int4" | "serial" | "serial4" => Some("integer".to_string()),
            "int8" | "bigserial" | "serial8" => Some("bigint".to_string()),
            "float4" => Some("real".to_string()),
            "float8" => Some("double precision".to_string()),
            "bool" => Some("boolean".to_string()),
            "varchar" => Some(format!("character varying{}", typmod_or(""))),
            "bpchar" if typmod.is_some() => Some(format!("character{}", typmod_or(""))),
            "varbit" => Some(format!("bit varying{}", typmod_or(""))),
            "numeric" | "decimal" => Some(format!("numeric{}", typmod_or(""))),
            "timestamptz" => Some(format!("timestamp{} with time zone", typmod_or(""))),
            "timestamp" => Some(format!("timestamp{} without time zone", typmod_or(""))),
            "timetz" => Some(format!("time{} with time zone", typmod_or(""))),
            "time" => Some(format!("time{} without time zone", typmod_or(""))),
            _ => None,
        };
        if let Some(known) = known {
            return known;
        }
    }
    let mut text = parts
        .iter()
        .map(|p| quote_identifier(p))
        .collect::<Vec<_>>()
        .join(".");
    if let Some(typmod) = typmod {
        text.push_str(&typmod);
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::model::ddl::test_support::*;

    #[test]
    fn types_are_spelled_as_format_type_prints_them() {
        let cases = [
            ("int", "integer"),
            ("int4", "integer"),
            ("pg_catalog.int4", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("smallint[]", "smallint[]"),
            ("integer[][]", "integer[]"),
            ("int[3]", "integer[]"),
            ("numeric", "numeric"),
            ("decimal", "numeric"),
            ("numeric(10)", "numeric(10,0)"),
            ("decimal(10,2)", "numeric(10,2)"),
            ("float", "double precision"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float4", "real"),
            ("float8", "double precision"),
            ("double precision[]", "double precision[]"),
            ("varchar", "character varying"),
            ("varchar(20)[]", "character varying(20)[]"),
            ("character varying(255)", "character varying(255)"),
            ("\"varchar\"(3)", "character varying(3)"),
            ("char", "character(1)"),
            ("character(1)", "character(1)"),
            ("char(5)[]", "character(5)[]"),
            ("bpchar", "bpchar"),
            ("\"char\"", "\"char\""),
            ("text", "text"),
            ("bool", "boolean"),
            ("bit", "bit(1)"),
            ("varbit", "bit varying"),
            ("bit varying(5)", "bit varying(5)"),
            ("timestamp", "timestamp without time zone"),
            ("\"timestamp\"", "timestamp without time zone"),
            ("timestamp(0)", "timestamp(0) without time zone"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamptz(3)", "timestamp(3) with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("time(2)", "time(2) without time zone"),
            ("timetz(2)", "time(2) with time zone"),
            ("interval(3)", "interval(3)"),
            ("interval day to second", "interval day to second"),
            ("interval year to month", "interval year to month"),
            ("jsonb", "jsonb"),
            ("uuid", "uuid"),
            ("bytea", "bytea"),
            ("date", "date"),
            ("name", "name"),
            ("int4range", "int4range"),
            ("tsvector", "tsvector"),
            ("mood", "mood"),
            ("public.mood", "mood"),
            ("mood[]", "mood[]"),
            ("other.\"MyType\"", "other.\"MyType\""),
        ];
        let columns: Vec<String> = cases
            .iter()
            .enumerate()
            .map(|(i, (declared, _))| format!("c{i} {declared}"))
            .collect();
        let catalog = catalog(&format!("CREATE TABLE t ({})", columns.join(", ")));
        for (i, (declared, expected)) in cases.iter().enumerate() {
            let column = column(&catalog, "t", &format!("c{i}"));
            assert_eq!(&column.data_type, expected, "{declared}");
        }
    }
}
