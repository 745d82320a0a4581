"""The workbook stage: the file guarded, read and parsed into a Submission."""
