DROP TABLE form_submissions;
DROP TABLE forms;
