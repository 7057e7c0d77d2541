//! Blob Storage uploads (submit.md §4.3–§4.4, §7, §10): a container reached through a SAS.
//! Being built: see the next commits.
