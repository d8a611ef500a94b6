// A FIFO in one flat ring of slots, for perf's queued operations (OpQueue): the engine queues
// and drains about 60 a VM exit, and a std::deque of them allocated a block every few entries.
// The ring grows by doubling only when full, so its capacity is the most entries ever held at
// once, rounded up to a power of two (never less than 16), and queuing allocates nothing after
// that (docs/performance.md "Fifth round: the engine").
#pragma once
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace pmusim {

template <class T>
class RingQueue {
public:
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    size_t capacity() const { return slots_.size(); }
    T& front() { return slots_[head_]; }
    const T& front() const { return slots_[head_]; }
    T& operator[](size_t i) { return slots_[(head_ + i) & mask()]; }
    const T& operator[](size_t i) const { return slots_[(head_ + i) & mask()]; }

    void push_back(T v) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) & mask()] = std::move(v);
        ++size_;
    }
    void push_front(T v) {
        if (size_ == slots_.size()) grow();
        head_ = (head_ + slots_.size() - 1) & mask();
        slots_[head_] = std::move(v);
        ++size_;
    }
    // Copies n entries to the back in order (a replayed list of operations).
    void append(const T* p, size_t n) {
        while (size_ + n > slots_.size()) grow();
        for (size_t i = 0; i < n; ++i) slots_[(head_ + size_ + i) & mask()] = p[i];
        size_ += n;
    }
    // The slot keeps its (moved-from) entry until it is reused: perf's operations own nothing.
    void pop_front() {
        head_ = (head_ + 1) & mask();
        --size_;
    }
    void clear() {
        while (!empty()) pop_front();
        head_ = 0;
    }
    void swap(RingQueue& o) noexcept {
        slots_.swap(o.slots_);
        std::swap(head_, o.head_);
        std::swap(size_, o.size_);
    }

    template <class Q, class V>
    class Iter {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = V*;
        using reference = V&;
        Iter(Q* q, size_t i) : q_(q), i_(i) {}
        V& operator*() const { return (*q_)[i_]; }
        V* operator->() const { return &(*q_)[i_]; }
        Iter& operator++() {
            ++i_;
            return *this;
        }
        bool operator==(const Iter& o) const { return i_ == o.i_; }
        bool operator!=(const Iter& o) const { return i_ != o.i_; }

    private:
        Q* q_;
        size_t i_;
    };
    using iterator = Iter<RingQueue, T>;
    using const_iterator = Iter<const RingQueue, const T>;
    iterator begin() { return {this, 0}; }
    iterator end() { return {this, size_}; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size_}; }

private:
    static constexpr size_t kFirst = 16;
    size_t mask() const { return slots_.size() - 1; }
    // Twice the slots (kFirst at first), the entries moved to the front in order.
    void grow() {
        std::vector<T> bigger(slots_.empty() ? kFirst : 2 * slots_.size());
        for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
        slots_.swap(bigger);
        head_ = 0;
    }
    std::vector<T> slots_;  // a power of two of them, or none
    size_t head_ = 0, size_ = 0;
};

}  // namespace pmusim
