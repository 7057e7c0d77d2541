//! The snapshot of a code folder, exactly as the Python SDK makes it (submit.md §2–§3).
