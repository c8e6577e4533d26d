//! The one error type of every decoder: it names the file, the line or document, and the field, so
//! the binary can print `netdiag: FILE:LINE: FIELD: what is wrong` and say what to do.

use std::fmt;

/// Where in an input a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Nowhere more precise than the input as a whole.
    Input,
    /// A 1-based line of a text dump.
    Line(usize),
    /// A 1-based document of a multi-document YAML/JSON input (and, inside a `List`, the item).
    Document { doc: usize, item: Option<usize> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The file the input came from; attached by the caller with [`ParseError::in_file`].
    pub file: Option<String>,
    pub location: Location,
    /// The field (or token) concerned: `dst`, `spec.cidr`, `lladdr`.
    pub field: String,
    pub message: String,
}

impl ParseError {
    pub fn new(location: Location, field: impl Into<String>, message: impl Into<String>) -> Self {
        ParseError {
            file: None,
            location,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn at_line(line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Location::Line(line), field, message)
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
        } else {
            write!(f, "<input>")?;
        }
        match &self.location {
            Location::Input => {}
            Location::Line(l) => write!(f, ":{l}")?,
            Location::Document { doc, item: None } => write!(f, ": document {doc}")?,
            Location::Document { doc, item: Some(i) } => write!(f, ": document {doc}, item {i}")?,
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}
