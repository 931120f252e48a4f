package tasks

import (
	"context"
	"fmt"
	"strings"
)

// Order is one sort key of a task list.
type Order struct {
	Field string // created_at, status or created_by
	Desc  bool
}

// ListQuery filters and pages GET /v2/tasks.
type ListQuery struct {
	CreatedBy []string
	Status    []string
	Limit     *int
	Offset    *int
	Order     []Order
	// Visible, when set, limits the list to the tasks its principal may
	// read: created by Creator, or launched for one of Owners.
	Visible *Visibility
}

// Visibility is who reads a task list: a task's creator and the holders
// of its owner ref see it.
type Visibility struct {
	Creator string
	Owners  []string
}

var orderColumns = map[string]string{"created_at": "created_at", "status": "status", "created_by": "created_by"}

// List returns one page of tasks and the number of tasks that match,
// newest first unless the query orders otherwise.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Task, int64, error) {
	var where []string
	var args []any
	if len(q.CreatedBy) > 0 {
		where = append(where, "created_by IN ?")
		args = append(args, q.CreatedBy)
	}
	if len(q.Status) > 0 {
		where = append(where, "status IN ?")
		args = append(args, q.Status)
	}
	if v := q.Visible; v != nil {
		cond := "created_by = ?"
		args = append(args, v.Creator)
		if len(v.Owners) > 0 {
			cond += " OR owner_ref IN ?"
			args = append(args, v.Owners)
		}
		where = append(where, "("+cond+")")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Raw("SELECT COUNT(*) FROM scaffolder_tasks"+cond, args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count tasks: %w", err)
	}
	order, err := orderBy(q.Order)
	if err != nil {
		return nil, 0, err
	}
	sql := "SELECT " + taskColumns + " FROM scaffolder_tasks" + cond + " ORDER BY " + order
	if q.Limit != nil {
		sql += fmt.Sprintf(" LIMIT %d", *q.Limit)
	} else if q.Offset != nil {
		sql += " LIMIT -1"
		if s.pg {
			sql = strings.TrimSuffix(sql, " LIMIT -1") + " LIMIT ALL"
		}
	}
	if q.Offset != nil {
		sql += fmt.Sprintf(" OFFSET %d", *q.Offset)
	}
	var rows []taskRow
	if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list tasks: %w", err)
	}
	out := make([]Task, len(rows))
	for i, r := range rows {
		out[i] = r.task()
	}
	return out, total, nil
}

// orderBy renders the ORDER BY clause; the default is newest first, and
// the id breaks ties so that pages do not overlap.
func orderBy(keys []Order) (string, error) {
	order := make([]string, 0, len(keys)+1)
	for _, o := range keys {
		col, ok := orderColumns[o.Field]
		if !ok {
			return "", fmt.Errorf("order by %q: unknown field", o.Field)
		}
		dir := " ASC"
		if o.Desc {
			dir = " DESC"
		}
		order = append(order, col+dir)
	}
	if len(order) == 0 {
		order = append(order, "created_at DESC")
	}
	return strings.Join(append(order, "id"), ", "), nil
}
