DROP FUNCTION IF EXISTS claro_adjustment_pending(text);
DROP FUNCTION IF EXISTS claro_paid_first_fallback();
