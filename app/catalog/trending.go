package catalog

import (
	"math"
	"time"
)

// The trending scale: a sale at time t weighs e^(λ·t), λ = ln 2 / half-life,
// and a product's trending_score is ln Σ e^(λ·t_sale) over its sales. A sale
// then counts half as much one half-life later without any score being
// touched: scores of every age compare as they are, so sorting by trending
// is an index scan and a new sale is one log-add-exp (claro_logaddexp,
// migration 0006). The sales applier (sales.go) is the only writer.

// trendingHalfLife is how long a sale takes to count half as much.
const trendingHalfLife = 72 * time.Hour

// trendingEpochUnix (2025-01-01 UTC) is t = 0 of the trending scale; any
// fixed instant works since scores of every age compare.
const trendingEpochUnix = 1735689600

// SaleWeight is λ·t for a sale at time at: the log of its weight on the
// trending scale. A product's score is ln Σ e^(SaleWeight(t_sale)); the seed
// and the tests compute expected scores with it.
func SaleWeight(at time.Time) float64 {
	return trendingLambda() * at.Sub(time.Unix(trendingEpochUnix, 0)).Hours()
}

// trendingLambda is λ of SaleWeight, per hour.
func trendingLambda() float64 { return math.Ln2 / trendingHalfLife.Hours() }

// applySalesSQL takes the oldest ledger rows (limit), sums units per product
// and log-sum-exps the positive rows' weights (ln units + λ·t, exactly
// SaleWeight, shifted by the batch maximum so exp never overflows and
// skipping terms e^-50 below it, as claro_logaddexp does), and applies both
// to each product in one UPDATE. It returns the number of rows taken.
const applySalesSQL = `WITH batch AS (
		DELETE FROM sales_ledger WHERE id IN (SELECT id FROM sales_ledger ORDER BY id LIMIT ?)
		RETURNING product_id, units, sold_at
	), w AS (
		SELECT product_id, units,
			CASE WHEN units > 0 THEN ln(units) + ?::float8 * (extract(epoch FROM sold_at)::float8 - ?::float8) / 3600 END AS weight
		FROM batch
	), agg AS (
		SELECT product_id, sum(units)::bigint AS units, max(weight) AS top FROM w GROUP BY product_id
	), score AS (
		SELECT w.product_id, a.top + ln(sum(CASE WHEN w.weight - a.top < -50 THEN 0 ELSE exp(w.weight - a.top) END)) AS s
		FROM w JOIN agg a ON a.product_id = w.product_id WHERE w.weight IS NOT NULL GROUP BY w.product_id, a.top
	), applied AS (
		UPDATE products p SET sales_count = greatest(p.sales_count + a.units, 0),
			trending_score = coalesce(claro_logaddexp(p.trending_score, s.s), p.trending_score)
		FROM agg a LEFT JOIN score s ON s.product_id = a.product_id
		WHERE p.id = a.product_id
		RETURNING 1
	)
	SELECT count(*) FROM batch`
