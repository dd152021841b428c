-- One writer takes accounts 1 to 5. Variables: ${ns}, ${writer}.
UPDATE soal.`${ns}`.accounts SET owner = '${writer}' WHERE id <= 5;
