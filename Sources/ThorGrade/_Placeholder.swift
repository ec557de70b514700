// Removed once ThorGrade has sources.
