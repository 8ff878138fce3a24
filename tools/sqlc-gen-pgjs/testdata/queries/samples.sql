-- name: GetSample :one
SELECT * FROM samples
WHERE id = $1;

-- name: ListSamples :many
SELECT * FROM samples
ORDER BY id;

-- name: InsertSample :one
INSERT INTO samples (
  big, small, n_int, amount, n_amount, flag, n_flag, name, code, token, n_text,
  at, local_at, day, n_day, doc, n_doc, blob, n_blob, tags, n_ids, grid, ratio, status
) VALUES (
  $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24
)
RETURNING id;

-- name: UpdateSampleDoc :execrows
UPDATE samples SET doc = $2, n_doc = $3
WHERE id = $1;
