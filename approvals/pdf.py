"""Empty by design: the approval engine renders no PDF of its own. Each approvable document links
its PDF (`ApprovableDocument.approval_pdf_url`) from its own app's `pdf.py`, and a document's
PDF shows its approvals through `approvals.selectors.document_approvals`."""
